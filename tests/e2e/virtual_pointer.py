"""A pointer for a headless wlroots compositor (sway): ``zwlr_virtual_pointer_v1`` spoken
directly on the Wayland socket.

A headless sway seat has no pointer, and Debian ships neither the wlroots protocol files nor
a tool for this protocol, so this module speaks the few messages it needs itself (the Wayland
wire format is a 32-bit object id, a 32-bit size and opcode, then the arguments).
"""

from __future__ import annotations

import os
import socket
import struct
import time

MANAGER = "zwlr_virtual_pointer_manager_v1"
BUTTONS = {"left": 0x110, "right": 0x111, "middle": 0x112}  # linux/input-event-codes.h

# requests, by interface: the opcode is the request's position in the protocol
GET_REGISTRY, SYNC = 1, 0  # wl_display
BIND = 0  # wl_registry
CREATE_VIRTUAL_POINTER = 0  # zwlr_virtual_pointer_manager_v1
MOTION_ABSOLUTE, BUTTON, FRAME, DESTROY = 1, 2, 4, 8  # zwlr_virtual_pointer_v1


def _string(text: str) -> bytes:
    data = text.encode() + b"\0"
    return struct.pack("<I", len(data)) + data + b"\0" * (-len(data) % 4)


class Connection:
    """One Wayland client connection: send requests, read events into (object, opcode, body)."""

    def __init__(self, display: str) -> None:
        path = display
        if not os.path.isabs(path):
            path = os.path.join(os.environ["XDG_RUNTIME_DIR"], display)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self._next_id = 2  # 1 is wl_display
        self._buffer = b""

    def new_id(self) -> int:
        self._next_id += 1
        return self._next_id - 1

    def send(self, obj: int, opcode: int, body: bytes = b"") -> None:
        self.sock.sendall(struct.pack("<II", obj, (8 + len(body)) << 16 | opcode) + body)

    def roundtrip(self) -> list[tuple[int, int, bytes]]:
        """Every event up to the compositor's answer to a ``wl_display.sync``."""
        callback = self.new_id()
        self.send(1, SYNC, struct.pack("<I", callback))
        events: list[tuple[int, int, bytes]] = []
        while True:
            while len(self._buffer) < 8:
                self._read()
            obj, word = struct.unpack_from("<II", self._buffer)
            size = word >> 16
            while len(self._buffer) < size:
                self._read()
            body, self._buffer = self._buffer[8:size], self._buffer[size:]
            if obj == 1 and word & 0xFFFF == 0:  # wl_display.error
                message = body[12:].rstrip(b"\0").decode(errors="replace")
                raise RuntimeError(f"Wayland protocol error: {message}")
            if obj == callback:
                return events
            events.append((obj, word & 0xFFFF, body))

    def _read(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise RuntimeError("the compositor closed the connection")
        self._buffer += chunk


class VirtualPointer:
    """A pointer device on the compositor's default seat, kept for the whole test: sway
    takes a moment to set up a new input device, and a click on a device created the same
    instant is lost."""

    def __init__(self, display: str, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.conn = Connection(display)
        registry = self.conn.new_id()
        self.conn.send(1, GET_REGISTRY, struct.pack("<I", registry))
        manager = 0
        for obj, opcode, body in self.conn.roundtrip():
            if obj != registry or opcode != 0:  # wl_registry.global(name, interface, version)
                continue
            name, length = struct.unpack_from("<II", body)
            if body[8 : 8 + length - 1].decode() == MANAGER:
                manager = self.conn.new_id()
                bind = struct.pack("<I", name) + _string(MANAGER) + struct.pack("<II", 1, manager)
                self.conn.send(registry, BIND, bind)
        if not manager:
            raise RuntimeError(f"the compositor does not offer {MANAGER}")
        self.pointer = self.conn.new_id()
        self.conn.send(manager, CREATE_VIRTUAL_POINTER, struct.pack("<II", 0, self.pointer))
        self.conn.roundtrip()

    def _stamp(self) -> int:
        return int(time.monotonic() * 1000) & 0xFFFFFFFF

    def move(self, x: int, y: int) -> None:
        motion = struct.pack("<IIIII", self._stamp(), x, y, self.width, self.height)
        self.conn.send(self.pointer, MOTION_ABSOLUTE, motion)
        self.conn.send(self.pointer, FRAME)
        self.conn.roundtrip()

    def click(self, x: int, y: int, button: str = "left") -> None:
        self.move(x, y)
        for state in (1, 0):  # pressed, released
            press = struct.pack("<III", self._stamp(), BUTTONS[button], state)
            self.conn.send(self.pointer, BUTTON, press)
            self.conn.send(self.pointer, FRAME)
            self.conn.roundtrip()

    def close(self) -> None:
        self.conn.send(self.pointer, DESTROY)
        self.conn.roundtrip()
        self.conn.sock.close()
