// Reading claude.ai from inside the browser: the calls the page claude.ai/settings/usage
// makes, with the browser's own cookies (credentials: "include"), so there is no cookie
// decryption, no keychain prompt and no Cloudflare check to pass.
//
// readClaude() returns two things: `post`, the server's answers as they came (what the app
// parses with its own parser), and `view`, this extension's reading of them for the badge
// and the popup. A failing organization keeps its error; it is never dropped.

import { parseUsageReport, UnexpectedReport } from "./usage.js";

export const CLAUDE = "https://claude.ai";

/** What the person is told for each kind of failure (the app words its own). */
export const MESSAGES = Object.freeze({
  session_expired: "Your claude.ai session has expired or was signed out: sign in to claude.ai in this browser.",
  not_signed_in: "This browser is not signed in to claude.ai: sign in, and the numbers appear within a minute.",
  cloudflare: "claude.ai asked for a browser check: open claude.ai in a tab once.",
  rate_limited: "claude.ai is rate-limiting requests; trying again later.",
  server: "claude.ai had a server error; trying again every minute.",
  network: "claude.ai could not be reached (offline?); trying again every minute.",
  unexpected: "claude.ai answered in a shape ClaudeMeter does not understand; look for an update.",
});

class Failure extends Error {
  constructor(kind, status = null, retryAfter = null) {
    super(MESSAGES[kind]);
    this.kind = kind;
    this.status = status;
    this.retryAfter = retryAfter;
  }
  wire() {
    const error = { kind: this.kind };
    if (this.status !== null) error.status = this.status;
    if (this.retryAfter !== null) error.retry_after = this.retryAfter;
    return error;
  }
}

function retryAfter(value) {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Math.min(Number(value), 7 * 86400);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, Math.round((at - Date.now()) / 1000)) : null;
}

// The app's rules (clients/http.py), tested against the same rows: tests/vectors/errors.json.
const CHALLENGE_MARKS = /just a moment|cf-chl|challenge-platform|cloudflare/i;
const SCANNED = 65536; // a page's marks are looked for in its first 64 KiB, as the app does

/** A web page rather than data: its type says so, or it starts like one. */
function isPage(headers, text) {
  return /text\/html/i.test(headers.get("content-type") || "") || /^\s*<(!doctype|html)/i.test(text);
}

/** Cloudflare's challenge header, or a page naming its check. */
function challengeMarked(headers, text) {
  if ((headers.get("cf-mitigated") || "").toLowerCase() === "challenge") return true;
  return isPage(headers, text) && CHALLENGE_MARKS.test(text.slice(0, SCANNED));
}

/** The failure an answer stands for, following docs/protocol.md section 4; null on 2xx. */
export function classify(status, headers, text) {
  if (status >= 200 && status < 300) return null;
  const challenge = challengeMarked(headers, text) || (status === 403 && isPage(headers, text));
  if ((status === 403 || status === 503) && challenge) return new Failure("cloudflare", status);
  if (status === 401 || status === 403) return new Failure("session_expired", status);
  if (status === 429) return new Failure("rate_limited", status, retryAfter(headers.get("retry-after")));
  if (status >= 500) return new Failure("server", status);
  if (status >= 300 && status < 400 && /unavailable-in-region/i.test(headers.get("location") || "")) {
    return new Failure("network", status); // claude.ai does not serve this network or region
  }
  return new Failure("unexpected", status);
}

async function getJson(fetchFn, url, { optional = false } = {}) {
  let response;
  try {
    response = await fetchFn(url, {
      credentials: "include",
      headers: { Accept: "*/*" },
      cache: "no-store",
      redirect: "error",
    });
  } catch {
    throw new Failure("network");
  }
  const text = await response.text().catch(() => "");
  const failure = classify(response.status, response.headers, text);
  if (failure) throw failure;
  if (isPage(response.headers, text)) {
    // A page where data belongs: a check when it says so, else an endpoint that moved.
    throw new Failure(challengeMarked(response.headers, text) ? "cloudflare" : "unexpected", response.status);
  }
  try {
    return JSON.parse(text);
  } catch {
    if (optional) return null;
    throw new Failure("unexpected", response.status);
  }
}

async function bestEffort(promise) {
  try {
    return await promise;
  } catch {
    return null;
  }
}

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const CONSOLE_ONLY = new Set(["api", "api_individual"]);

function usableOrgs(list) {
  return list.filter((org) => {
    if (!isObject(org) || typeof org.uuid !== "string" || !org.uuid) return false;
    const caps = Array.isArray(org.capabilities) ? org.capabilities : [];
    return !(caps.length && caps.every((c) => CONSOLE_ONLY.has(c)));
  });
}

function plans(account) {
  const found = new Map();
  const memberships = isObject(account) && Array.isArray(account.memberships) ? account.memberships : [];
  for (const m of memberships) {
    const org = isObject(m) ? m.organization : null;
    if (isObject(org) && typeof org.uuid === "string") found.set(org.uuid, org);
  }
  return found;
}

/** Strip what the app never keeps: payment details stay in the browser. */
function subscriptionForApp(raw) {
  if (!isObject(raw)) return null;
  const { payment_method: _dropped, ...rest } = raw;
  return rest;
}

/** One poll of every organization: {post, view}. `fetchFn` is the browser's fetch. */
export async function readClaude(fetchFn, base = CLAUDE) {
  let listed;
  try {
    listed = await getJson(fetchFn, `${base}/api/organizations`);
    if (!Array.isArray(listed)) throw new Failure("unexpected");
    // Entries, none of them an organization: a changed answer, as the app reads it.
    if (listed.length && !listed.some((o) => isObject(o) && typeof o.uuid === "string")) {
      throw new Failure("unexpected");
    }
  } catch (error) {
    const failure = error instanceof Failure ? error : new Failure("unexpected");
    return {
      post: { version: 1, error: failure.wire() },
      view: { orgs: [], error: { kind: failure.kind, message: failure.message } },
    };
  }
  const account = await bestEffort(getJson(fetchFn, `${base}/api/account`, { optional: true }));
  const orgs = usableOrgs(listed);
  if (!orgs.length) {
    const failure = new Failure("not_signed_in");
    return {
      post: { version: 1, error: failure.wire() },
      view: { orgs: [], error: { kind: failure.kind, message: "This claude.ai account has no organization with a Claude plan." } },
    };
  }
  const memberships = plans(account);
  const email = isObject(account) && typeof account.email_address === "string" ? account.email_address : null;
  const entries = await Promise.all(
    orgs.map(async (org) => {
      const path = `${base}/api/organizations/${encodeURIComponent(org.uuid)}`;
      const entry = { organization: org };
      const plan = memberships.get(org.uuid);
      const seen = {
        uuid: org.uuid,
        name: (typeof org.name === "string" && org.name) || plan?.name || null,
        email,
        plan: plan?.rate_limit_tier ?? null,
        windows: [],
        extraUsage: null,
        error: null,
      };
      try {
        entry.usage = await getJson(fetchFn, `${path}/usage`);
      } catch (error) {
        const failure = error instanceof Failure ? error : new Failure("unexpected");
        entry.error = failure.wire();
        seen.error = { kind: failure.kind, message: failure.message };
        return { entry, seen };
      }
      const [overage, subscription] = await Promise.all([
        bestEffort(getJson(fetchFn, `${path}/overage_spend_limit`, { optional: true })),
        bestEffort(getJson(fetchFn, `${path}/subscription_details`, { optional: true })),
      ]);
      entry.overage = isObject(overage) ? overage : null;
      entry.subscription = subscriptionForApp(subscription);
      try {
        const report = parseUsageReport(entry.usage);
        seen.windows = report.windows;
        seen.extraUsage = report.extraUsage;
      } catch (error) {
        if (!(error instanceof UnexpectedReport)) throw error;
        seen.error = { kind: "unexpected", message: MESSAGES.unexpected };
      }
      return { entry, seen };
    }),
  );
  return {
    post: {
      version: 1,
      account: isObject(account) ? account : null,
      organizations: entries.map((e) => e.entry),
    },
    view: { orgs: entries.map((e) => e.seen), error: null },
  };
}
