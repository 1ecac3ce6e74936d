// The service worker (Chromium) or background script (Firefox): every minute, and when the
// browser starts, read claude.ai, draw the badge, and hand the server's answers to the app.

import { readClaude } from "./lib/claude.js";
import { DEFAULT_PORT, syncWithApp, validPort } from "./lib/bridge.js";
import { badgeFor } from "./lib/badge.js";
import { withProfile } from "./lib/profile.js";

const api = globalThis.browser ?? globalThis.chrome;
const POLL = "poll";
const PAIR = "pair";

const store = {
  async getToken(port) {
    const { tokens = {} } = await api.storage.local.get("tokens");
    return tokens[String(port)] || null;
  },
  async setToken(port, token) {
    const { tokens = {} } = await api.storage.local.get("tokens");
    if (token) tokens[String(port)] = token;
    else delete tokens[String(port)];
    await api.storage.local.set({ tokens });
  },
};

async function bridgePort() {
  const { port } = await api.storage.local.get("port");
  return validPort(port) ?? DEFAULT_PORT;
}

async function draw(view, bridgeState) {
  const badge = badgeFor(view, bridgeState);
  await api.action.setBadgeText({ text: badge.text });
  await api.action.setBadgeBackgroundColor({ color: badge.color });
  await api.action.setTitle({ title: badge.title });
}

// While not paired, ask every 30 s (the shortest period packed extensions get) so pairing
// happens within seconds of the person opening the app's pairing window.
async function keepPairing(state) {
  if (state === "unpaired" || state === "app_not_running") {
    if (!(await api.alarms.get(PAIR))) await api.alarms.create(PAIR, { periodInMinutes: 0.5 });
  } else {
    await api.alarms.clear(PAIR);
  }
}

let running = null;

/** One poll; concurrent triggers share the poll in flight. */
function poll() {
  running ??= (async () => {
    try {
      const { post, view } = await readClaude(fetch);
      const port = await bridgePort();
      const { profile } = await api.storage.local.get("profile"); // named in the popup
      const payload = withProfile(post, profile);
      const { state, account } = await syncWithApp({ fetchFn: fetch, store, port, payload });
      const stored = JSON.parse(JSON.stringify(view)); // Dates as ISO text, as storage keeps them
      // account: the app's account these numbers went to (null: its default one)
      await api.storage.local.set({ last: { at: Date.now(), view: stored, bridge: state, account } });
      await draw(view, state);
      await keepPairing(state);
    } finally {
      running = null;
    }
  })();
  return running;
}

/** Only pair (no claude.ai read); a fresh pairing is followed by a full poll at once. */
async function pairOnly() {
  const port = await bridgePort();
  const { state, pairedNow } = await syncWithApp({ fetchFn: fetch, store, port, payload: null });
  if (pairedNow) return poll();
  await keepPairing(state);
  return undefined;
}

function start() {
  api.alarms.create(POLL, { periodInMinutes: 1 });
  poll();
}

api.runtime.onInstalled.addListener(start);
api.runtime.onStartup.addListener(start);
api.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === POLL) poll();
  else if (alarm.name === PAIR) pairOnly();
});
api.storage.onChanged.addListener((changes, area) => {
  // A new port: pair with that app and post. A new profile name: the app hears it at once.
  if (area === "local" && (changes.port || changes.profile)) poll();
});
api.runtime.onMessage.addListener((message, sender, reply) => {
  if (sender.id !== api.runtime.id) return false;
  if (message?.type === "refresh") poll().then(() => reply({ ok: true }), () => reply({ ok: false }));
  else if (message?.type === "pair") pairOnly().then(() => reply({ ok: true }), () => reply({ ok: false }));
  else return false;
  return true;
});
