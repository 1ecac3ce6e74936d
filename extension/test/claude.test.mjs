// readClaude against a scripted claude.ai: every organization, errors kept per organization.
import { test } from "node:test";
import assert from "node:assert/strict";

import { readClaude, classify } from "../lib/claude.js";

const ORG = { uuid: "org-1", name: "Personal", capabilities: ["chat", "claude_max"] };
const TEAM = { uuid: "org-2", name: "Team", capabilities: ["chat", "raven"] };
const CONSOLE = { uuid: "org-3", name: "Console", capabilities: ["api"] };
const USAGE = { five_hour: { utilization: 37.0, resets_at: "2026-11-25T13:00:00Z" }, seven_day: { utilization: 64.0, resets_at: null } };

function answer(status, body, headers = {}) {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return new Response(text, { status, headers: { "content-type": "application/json", ...headers } });
}

function server(routes) {
  const calls = [];
  const fetchFn = async (url, init) => {
    calls.push({ url, init });
    const path = new URL(url).pathname;
    const route = routes[path];
    if (route === undefined) return answer(404, { type: "error" });
    if (route instanceof Error) throw route;
    return typeof route === "function" ? route() : route;
  };
  return { fetchFn, calls };
}

test("reads every organization with the browser's cookies", async () => {
  const { fetchFn, calls } = server({
    "/api/organizations": answer(200, [ORG, TEAM, CONSOLE]),
    "/api/account": answer(200, { email_address: "me@example.com", memberships: [{ organization: { uuid: "org-1", rate_limit_tier: "default_claude_max_20x" } }] }),
    "/api/organizations/org-1/usage": answer(200, USAGE),
    "/api/organizations/org-1/overage_spend_limit": answer(404, { type: "error" }),
    "/api/organizations/org-1/subscription_details": answer(200, { status: "active", payment_method: { last4: "4242" } }),
    "/api/organizations/org-2/usage": answer(403, { type: "error", error: { type: "permission_error" } }),
  });
  const { post, view } = await readClaude(fetchFn, "https://claude.ai");
  assert.ok(calls.every((c) => c.init.credentials === "include"));
  assert.deepEqual(post.organizations.map((o) => o.organization.uuid), ["org-1", "org-2"]);
  assert.deepEqual(post.organizations[0].usage, USAGE);
  assert.equal(post.organizations[0].overage, null);
  assert.deepEqual(post.organizations[0].subscription, { status: "active" }); // no payment details
  assert.deepEqual(post.organizations[1].error, { kind: "session_expired", status: 403 });
  assert.equal(post.account.email_address, "me@example.com");
  assert.deepEqual(view.orgs[0].windows.map((w) => [w.key, w.percent]), [["five_hour", 37], ["seven_day", 64]]);
  assert.equal(view.orgs[0].plan, "default_claude_max_20x");
  assert.equal(view.orgs[1].error.kind, "session_expired");
  assert.equal(view.orgs.length, 2); // the failing org is kept, with its error
});

test("a failed organization list is a whole-poll error", async () => {
  for (const [route, kind] of [
    [answer(401, { type: "error" }), "session_expired"],
    [answer(403, "<!DOCTYPE html><title>Just a moment...</title>", { "content-type": "text/html" }), "cloudflare"],
    [answer(503, "", { "cf-mitigated": "challenge" }), "cloudflare"],
    [answer(429, {}, { "retry-after": "120" }), "rate_limited"],
    [answer(502, "bad gateway"), "server"],
    [answer(200, "<html>Just a moment...</html>", { "content-type": "text/html" }), "cloudflare"], // a page without the marks: tests/vectors/errors.json
    [answer(200, "{not json"), "unexpected"],
    [answer(200, { not: "a list" }), "unexpected"],
    [new TypeError("Failed to fetch"), "network"],
  ]) {
    const { fetchFn } = server({ "/api/organizations": route });
    const { post, view } = await readClaude(fetchFn, "https://claude.ai");
    assert.equal(post.error.kind, kind);
    assert.equal(view.error.kind, kind);
    assert.equal(post.organizations, undefined);
  }
});

test("a usage answer the rules cannot read is that organization's error", async () => {
  const { fetchFn } = server({
    "/api/organizations": answer(200, [ORG]),
    "/api/organizations/org-1/usage": answer(200, { five_hour: "changed" }),
  });
  const { post, view } = await readClaude(fetchFn, "https://claude.ai");
  assert.deepEqual(post.organizations[0].usage, { five_hour: "changed" }); // the app decides
  assert.equal(view.orgs[0].error.kind, "unexpected");
});

test("only console organizations: not signed in with a plan", async () => {
  const { fetchFn } = server({ "/api/organizations": answer(200, [CONSOLE]) });
  const { post } = await readClaude(fetchFn, "https://claude.ai");
  assert.equal(post.error.kind, "not_signed_in");
});

test("classify follows the protocol's error table", () => {
  const h = (o = {}) => new Headers(o);
  assert.equal(classify(200, h(), ""), null);
  assert.equal(classify(429, h({ "retry-after": "0" }), "").retryAfter, 0);
  assert.equal(classify(404, h(), "").kind, "unexpected");
});
