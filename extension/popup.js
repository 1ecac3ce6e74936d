// The popup: the same bars and countdowns as the app's popover. Every server string goes in
// with textContent, never innerHTML.

import { DEFAULT_PORT, BRIDGE_TEXT, validPort } from "./lib/bridge.js";
import { formatCountdown, formatExtraUsage, planLabel } from "./lib/display.js";
import { formatPercent, gradeFor } from "./lib/grades.js";

const api = globalThis.browser ?? globalThis.chrome;
const $ = (id) => document.getElementById(id);
let rows = [];

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function row(window) {
  const box = element("div", "row");
  const top = element("div", "top");
  top.append(element("span", "label", window.label), element("span", "percent", formatPercent(window.percent)));
  const track = element("div", "track");
  const fill = element("div", "fill");
  fill.style.width = `${window.percent === null ? 0 : Math.min(100, Math.max(0, window.percent))}%`;
  fill.style.background = gradeFor(window.percent).rgb;
  track.append(fill);
  track.setAttribute("role", "progressbar");
  track.setAttribute("aria-label", `${window.label}, ${window.percent === null ? "unknown" : Math.trunc(window.percent)} percent`);
  const countdown = element("div", "muted");
  const resetsAt = window.resetsAt ? new Date(window.resetsAt) : null;
  rows.push(() => { countdown.textContent = formatCountdown(resetsAt, new Date()); });
  box.append(top, track, countdown);
  return box;
}

function render(last) {
  const orgs = $("orgs");
  orgs.replaceChildren();
  rows = [];
  const banner = $("banner");
  const messages = [];
  if (!last) messages.push("Reading claude.ai\u2026");
  else {
    if (last.view.error) messages.push(last.view.error.message);
    if (last.bridge !== "connected") messages.push(BRIDGE_TEXT[last.bridge]);
    for (const org of last.view.orgs) {
      const section = element("section");
      const heading = [org.name || org.uuid, org.email, planLabel(org.plan)].filter(Boolean).join(" \u00b7 ");
      section.append(element("h2", "", heading));
      if (org.error) section.append(element("p", "error", org.error.message));
      for (const window of org.windows) section.append(row(window));
      if (org.extraUsage) section.append(element("p", "muted", `Extra usage: ${formatExtraUsage(org.extraUsage)}`));
      orgs.append(section);
    }
    $("updated").textContent = `updated ${new Date(last.at).toLocaleTimeString()}`;
    $("bridge").textContent = BRIDGE_TEXT[last.bridge] ?? "";
  }
  banner.textContent = messages.join(" ");
  banner.hidden = messages.length === 0;
  for (const tick of rows) tick();
}

async function load() {
  const { last, port } = await api.storage.local.get(["last", "port"]);
  $("port").value = String(validPort(port) ?? DEFAULT_PORT);
  render(last);
}

async function savePort(value) {
  const port = validPort(value);
  if (port !== null) await api.storage.local.set({ port });
}

// A link like popup.html#port=63800 sets the app's port (for a second app, or a test).
const fromLink = new URLSearchParams(location.hash.slice(1)).get("port");
if (fromLink) await savePort(fromLink);

$("refresh").addEventListener("click", () => api.runtime.sendMessage({ type: "refresh" }));
$("pair").addEventListener("click", () => api.runtime.sendMessage({ type: "pair" }));
$("save-port").addEventListener("click", () => savePort($("port").value));
api.storage.onChanged.addListener((changes, area) => {
  if (area === "local" && changes.last) render(changes.last.newValue);
});
setInterval(() => rows.forEach((tick) => tick()), 1000);
await load();
