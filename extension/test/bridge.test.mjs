// Pairing and posting to the app, against a scripted bridge.
import { test } from "node:test";
import assert from "node:assert/strict";

import { syncWithApp, validPort, whereShown } from "../lib/bridge.js";
import { badgeFor } from "../lib/badge.js";

function memoryStore(initial = {}) {
  const tokens = { ...initial };
  return {
    tokens,
    async getToken(port) { return tokens[port] ?? null; },
    async setToken(port, token) { if (token) tokens[port] = token; else delete tokens[port]; },
  };
}

function app(script) {
  const calls = [];
  const fetchFn = async (url, init) => {
    calls.push({ path: new URL(url).pathname, init });
    const next = script.shift();
    if (next instanceof Error) throw next;
    return new Response(JSON.stringify(next.body ?? {}), { status: next.status });
  };
  return { fetchFn, calls };
}

const PAYLOAD = { version: 1, error: { kind: "network" } };

test("pairs when it has no token, then posts with it", async () => {
  const store = memoryStore();
  const { fetchFn, calls } = app([{ status: 200, body: { token: "t-1" } }, { status: 200 }]);
  const result = await syncWithApp({ fetchFn, store, port: 63762, payload: PAYLOAD });
  assert.deepEqual(result, { state: "connected", pairedNow: true, account: null });
  assert.deepEqual(calls.map((c) => [c.path, c.init.method]), [["/pair", "POST"], ["/snapshots", "POST"]]);
  assert.equal(calls[1].init.headers.Authorization, "Bearer t-1");
  assert.equal(calls[1].init.headers["Content-Type"], "application/json");
  assert.equal(calls[1].init.credentials, "omit");
  assert.equal(store.tokens[63762], "t-1");
});

test("outside the pairing window it stays unpaired and posts nothing", async () => {
  const { fetchFn, calls } = app([{ status: 403 }]);
  const result = await syncWithApp({ fetchFn, store: memoryStore(), port: 63762, payload: PAYLOAD });
  assert.equal(result.state, "unpaired");
  assert.equal(calls.length, 1);
});

test("a forgotten token is dropped and pairing starts again", async () => {
  const store = memoryStore({ 63762: "old" });
  const { fetchFn, calls } = app([{ status: 401 }, { status: 200, body: { token: "new" } }, { status: 200 }]);
  const result = await syncWithApp({ fetchFn, store, port: 63762, payload: PAYLOAD });
  assert.equal(result.state, "connected");
  assert.deepEqual(calls.map((c) => c.path), ["/snapshots", "/pair", "/snapshots"]);
  assert.equal(store.tokens[63762], "new");
});

test("a forgotten token outside the window leaves it unpaired, without a token", async () => {
  const store = memoryStore({ 63762: "old" });
  const { fetchFn } = app([{ status: 401 }, { status: 403 }]);
  assert.equal((await syncWithApp({ fetchFn, store, port: 63762, payload: PAYLOAD })).state, "unpaired");
  assert.equal(store.tokens[63762], undefined);
});

test("no app listening, or the app refusing", async () => {
  let { fetchFn } = app([new TypeError("Failed to fetch")]);
  assert.equal((await syncWithApp({ fetchFn, store: memoryStore(), port: 63762, payload: PAYLOAD })).state, "app_not_running");
  ({ fetchFn } = app([{ status: 400 }]));
  assert.equal((await syncWithApp({ fetchFn, store: memoryStore({ 63762: "t" }), port: 63762, payload: PAYLOAD })).state, "refused");
});

test("ports", () => {
  assert.equal(validPort("63800"), 63800);
  for (const bad of ["80", "70000", "x", "", null, "1.5"]) assert.equal(validPort(bad), null);
});

const window = (percent) => ({ key: "five_hour", label: "Session (5h)", percent, resetsAt: null });

test("badge: the worst percent in its grade colour", () => {
  const view = { orgs: [{ name: "A", windows: [window(37)], error: null }, { name: "B", windows: [window(83.9)], error: null }], error: null };
  const badge = badgeFor(view, "connected");
  assert.equal(badge.text, "83");
  assert.equal(badge.color, "#e8702a");
  assert.match(badge.title, /B: Session \(5h\): 83%/);
});

test("badge: ! with the reason on error, and a hint when not paired", () => {
  const view = { orgs: [], error: { kind: "session_expired", message: "Sign in to claude.ai." } };
  const badge = badgeFor(view, "unpaired");
  assert.equal(badge.text, "!");
  assert.match(badge.title, /Sign in to claude.ai\./);
  assert.match(badge.title, /Pair browser extension/);
});

test("the app says which of its accounts a post went to", async () => {
  const store = memoryStore({ 63762: "t" });
  let { fetchFn } = app([{ status: 200, body: { accepted: 1, account: "Work" } }]);
  let result = await syncWithApp({ fetchFn, store, port: 63762, payload: PAYLOAD });
  assert.deepEqual(result, { state: "connected", pairedNow: false, account: "Work" });
  assert.equal(whereShown(result.account), "The app shows these numbers under the account \u201cWork\u201d.");
  for (const body of [{ accepted: 1, account: null }, { accepted: 1 }, { account: 7 }, []]) {
    ({ fetchFn } = app([{ status: 200, body }])); // an older app says nothing: the default
    result = await syncWithApp({ fetchFn, store, port: 63762, payload: PAYLOAD });
    assert.equal(result.account, null);
    assert.equal(whereShown(result.account), ""); // the default account: nothing to say
  }
});
