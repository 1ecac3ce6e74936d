"""A small StatusNotifierWatcher and host for the end-to-end tests, on the session bus.

It does what a panel's tray does over D-Bus (KDE's StatusNotifierItem protocol, the one Plasma,
waybar, swaybar and GNOME's AppIndicator extension speak): owns
``org.kde.StatusNotifierWatcher``, accepts ``RegisterStatusNotifierItem``, answers the watcher's
properties, forgets items whose owner leaves the bus, and, on command, calls an item's
``Activate`` or ``ContextMenu`` or reads its ``IconPixmap`` the way a host draws it.

Run as ``python tests/e2e/sni_watcher.py``; it speaks one JSON object per line: on stdout
``{"ready": name}``, ``{"registered": service}``, ``{"icon": {...}}``; on stdin
``{"activate": [x, y]}``, ``{"context": [x, y]}``, ``{"icon": true}``. It ends when stdin
closes or on SIGTERM. Only jeepney (already a dependency) is used, so the host shares nothing
with the Qt code under test.
"""

from __future__ import annotations

import json
import os
import select
import signal
import sys
from typing import Any

from jeepney import (
    DBusAddress,
    HeaderFields,
    MatchRule,
    Message,
    MessageType,
    message_bus,
    new_error,
    new_method_call,
    new_method_return,
    new_signal,
)
from jeepney.io.blocking import DBusConnection, open_dbus_connection

WATCHER = "org.kde.StatusNotifierWatcher"
WATCHER_PATH = "/StatusNotifierWatcher"
ITEM_INTERFACE = "org.kde.StatusNotifierItem"
PROPERTIES = "org.freedesktop.DBus.Properties"
INTROSPECTION = f"""<node>
 <interface name="{WATCHER}">
  <method name="RegisterStatusNotifierItem"><arg name="service" type="s" direction="in"/></method>
  <method name="RegisterStatusNotifierHost"><arg name="service" type="s" direction="in"/></method>
  <property name="RegisteredStatusNotifierItems" type="as" access="read"/>
  <property name="IsStatusNotifierHostRegistered" type="b" access="read"/>
  <property name="ProtocolVersion" type="i" access="read"/>
  <signal name="StatusNotifierItemRegistered"><arg type="s"/></signal>
  <signal name="StatusNotifierItemUnregistered"><arg type="s"/></signal>
  <signal name="StatusNotifierHostRegistered"/>
 </interface>
</node>"""


def say(**what: Any) -> None:
    sys.stdout.write(json.dumps(what) + "\n")
    sys.stdout.flush()


class Watcher:
    def __init__(self, connection: DBusConnection) -> None:
        self.connection = connection
        self.items: dict[str, tuple[str, str]] = {}  # id -> (bus name, object path)

    def properties(self) -> dict[str, tuple[str, Any]]:
        return {
            "RegisteredStatusNotifierItems": ("as", list(self.items)),
            "IsStatusNotifierHostRegistered": ("b", True),
            "ProtocolVersion": ("i", 0),
        }

    def handle(self, message: Message) -> None:
        header = message.header
        if header.message_type == MessageType.signal:
            if header.fields.get(HeaderFields.member) == "NameOwnerChanged":
                name, _old, new = message.body
                if not new:
                    self.forget(name)
            return
        if header.message_type != MessageType.method_call:
            return
        member = header.fields.get(HeaderFields.member)
        interface = header.fields.get(HeaderFields.interface)
        sender = header.fields.get(HeaderFields.sender, "")
        reply: Message
        if member == "RegisterStatusNotifierItem":
            (service,) = message.body
            bus, path = (sender, service) if service.startswith("/") else (service, "")
            key = f"{bus}{path or '/StatusNotifierItem'}"
            self.items[key] = (bus, path or "/StatusNotifierItem")
            reply = new_method_return(message)
            self.connection.send(reply)
            self.emit("StatusNotifierItemRegistered", key)
            say(registered=key)
            return
        if member == "RegisterStatusNotifierHost":
            reply = new_method_return(message)
        elif interface == PROPERTIES and member == "Get":
            _iface, name = message.body
            found = self.properties().get(name)
            if found is None:
                reply = new_error(message, "org.freedesktop.DBus.Error.UnknownProperty")
            else:
                reply = new_method_return(message, "v", (found,))
        elif interface == PROPERTIES and member == "GetAll":
            reply = new_method_return(message, "a{sv}", (self.properties(),))
        elif member == "Introspect":
            reply = new_method_return(message, "s", (INTROSPECTION,))
        else:
            reply = new_error(message, "org.freedesktop.DBus.Error.UnknownMethod")
        self.connection.send(reply)

    def forget(self, name: str) -> None:
        for key, (bus, _path) in list(self.items.items()):
            if bus == name:
                del self.items[key]
                self.emit("StatusNotifierItemUnregistered", key)
                say(unregistered=key)

    def emit(self, member: str, key: str) -> None:
        address = DBusAddress(WATCHER_PATH, interface=WATCHER)
        self.connection.send(new_signal(address, member, "s", (key,)))

    def item(self) -> DBusAddress | None:
        if not self.items:
            return None
        bus, path = next(iter(self.items.values()))
        return DBusAddress(path, bus_name=bus, interface=ITEM_INTERFACE)

    def command(self, line: str) -> None:
        order = json.loads(line)
        item = self.item()
        if item is None:
            say(error="no item registered")
            return
        if "activate" in order:
            self.connection.send(new_method_call(item, "Activate", "ii", tuple(order["activate"])))
            say(sent="activate")
        elif "context" in order:
            self.connection.send(
                new_method_call(item, "ContextMenu", "ii", tuple(order["context"]))
            )
            say(sent="context")
        elif "icon" in order:
            say(icon=self.icon(item))

    def icon(self, item: DBusAddress) -> dict[str, Any]:
        """The biggest ``IconPixmap``: its size and its distinct opaque colours (#rrggbb)."""
        props = DBusAddress(item.object_path, bus_name=item.bus_name, interface=PROPERTIES)
        get = new_method_call(props, "Get", "ss", (ITEM_INTERFACE, "IconPixmap"))
        reply = self.connection.send_and_get_reply(get, timeout=5)
        _signature, pixmaps = reply.body[0]
        if not pixmaps:
            return {"width": 0, "height": 0, "colours": []}
        width, height, data = max(pixmaps, key=lambda p: p[0] * p[1])
        colours = {
            f"#{data[i + 1]:02x}{data[i + 2]:02x}{data[i + 3]:02x}"
            for i in range(0, len(data), 4)
            if data[i] == 255  # ARGB32, network byte order: alpha first
        }
        return {"width": width, "height": height, "colours": sorted(colours)}


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    connection = open_dbus_connection(bus="SESSION")
    watcher = Watcher(connection)
    owners = MatchRule(type="signal", interface="org.freedesktop.DBus", member="NameOwnerChanged")
    connection.send_and_get_reply(message_bus.AddMatch(owners), timeout=5)
    reply = connection.send_and_get_reply(message_bus.RequestName(WATCHER), timeout=5)
    if reply.body != (1,):  # DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER
        say(error=f"could not own {WATCHER}: {reply.body}")
        return 1
    say(ready=WATCHER)
    stdin = sys.stdin.fileno()
    while True:
        readable, _, _ = select.select([connection.sock, stdin], [], [])
        if connection.sock in readable:
            while True:  # every message already read into jeepney's buffer, too
                try:
                    message = connection.receive(timeout=0.01)
                except TimeoutError:
                    break
                watcher.handle(message)
        if stdin in readable:
            line = os.read(stdin, 65536).decode()
            if not line:
                return 0
            for part in line.splitlines():
                if part.strip():
                    watcher.command(part)


if __name__ == "__main__":
    sys.exit(main())
