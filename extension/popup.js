// The popup: the same bars and countdowns as the app's popover. Every server string goes in
// with textContent, never innerHTML.

import { DEFAULT_PORT, BRIDGE_TEXT, validPort, whereShown } from "./lib/bridge.js";
import { formatCountdown, formatExtraUsage, planLabel } from "./lib/display.js";
import { formatPercent, gradeFor } from "./lib/grades.js";
import { checkLabel } from "./lib/profile.js";

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
    const connected = last.bridge === "connected";
    $("bridge").textContent = [BRIDGE_TEXT[last.bridge] ?? "", connected ? whereShown(last.account) : ""]
      .filter(Boolean)
      .join(" ");
  }
  banner.textContent = messages.join(" ");
  banner.hidden = messages.length === 0;
  for (const tick of rows) tick();
}

async function load() {
  const { last, port, profile } = await api.storage.local.get(["last", "port", "profile"]);
  $("port").value = String(validPort(port) ?? DEFAULT_PORT);
  $("profile").value = profile ?? "";
  render(last);
}

async function savePort(value) {
  const port = validPort(value);
  if (port !== null) await api.storage.local.set({ port });
}

/** This profile's name, checked as the app checks it (what to store, or null when refused,
 * which the popup says); an empty one is no name. */
function profileChange(value) {
  const { label, error } = checkLabel(value);
  $("profile-error").textContent = error ?? "";
  $("profile-error").hidden = !error;
  if (error) return null;
  $("profile").value = label ?? "";
  return { profile: label ?? "" }; // "": no name (the post then carries none)
}

async function saveProfile(value) {
  const change = profileChange(value);
  if (change) await api.storage.local.set(change);
}

// A link like popup.html#port=63800&profile=Work sets the app's port (for a second app, or a
// test) and this profile's name, in one change, so the next post carries both.
const fromLink = new URLSearchParams(location.hash.slice(1));
const linked = {
  ...(validPort(fromLink.get("port")) !== null ? { port: validPort(fromLink.get("port")) } : {}),
  ...(fromLink.has("profile") ? profileChange(fromLink.get("profile")) : {}),
};
if (Object.keys(linked).length) await api.storage.local.set(linked);

$("refresh").addEventListener("click", () => api.runtime.sendMessage({ type: "refresh" }));
$("pair").addEventListener("click", () => api.runtime.sendMessage({ type: "pair" }));
$("save-port").addEventListener("click", () => savePort($("port").value));
$("save-profile").addEventListener("click", () => saveProfile($("profile").value));
api.storage.onChanged.addListener((changes, area) => {
  if (area === "local" && changes.last) render(changes.last.newValue);
});
setInterval(() => rows.forEach((tick) => tick()), 1000);
await load();
