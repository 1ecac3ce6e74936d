// The app's rules for a /usage report, for the badge and the popup only.
//
// The app parses what the extension posts with its own parser (claude_meter/core/usage.py),
// which stays the parser of record; this copy exists so the badge can show a number without
// the app. Both are tested against the same vectors (tests/vectors/), so they cannot drift.
//
// The scale rule, decided per report, never per value ("<= 1 means a fraction" turns a real
// 1 % into 100 %):
//   1. where limits[] repeats a window with an integer percent, each pair votes for the scale
//      that explains it, and a clear majority decides;
//   2. otherwise any utilization above 1 means percents;
//   3. otherwise any utilization with a fractional part means fractions;
//   4. otherwise (only 0s and 1s, or none) percents.

export const KNOWN_WINDOWS = Object.freeze({
  five_hour: "Session (5h)",
  seven_day: "Weekly · all models",
  seven_day_opus: "Weekly · Opus",
  seven_day_sonnet: "Weekly · Sonnet",
  seven_day_oauth_apps: "Weekly · Claude Code & apps",
  seven_day_cowork: "Weekly · Cowork",
  seven_day_routines: "Weekly · Routines",
  seven_day_omelette: "Weekly · Claude Design",
  seven_day_design: "Weekly · Claude Design",
  seven_day_fable: "Weekly · Fable",
});
const KNOWN_KEYS = Object.keys(KNOWN_WINDOWS);
const NON_WINDOW_KEYS = new Set(["extra_usage", "limits", "spend", "tangelo", "iguana_necktie"]);
const LIMIT_KIND_KEYS = { session: "five_hour", weekly_all: "seven_day" };
const RECOGNIZED = new Set([...KNOWN_KEYS, "extra_usage", "limits"]);
const AGREEMENT = 1.0;

export class UnexpectedReport extends Error {}

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const has = (o, k) => Object.prototype.hasOwnProperty.call(o, k);

function number(value) {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/;

/** An ISO-8601 time as a Date (UTC when no offset is given), or null. */
export function parseTimestamp(value) {
  if (typeof value !== "string") return null;
  const m = ISO.exec(value.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s = "0", frac = "0", , sign, oh, om] = m;
  let ms = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s, Math.floor(+`0.${frac}` * 1000));
  if (sign) ms -= (sign === "-" ? -1 : 1) * (+oh * 60 + +om) * 60000;
  return Number.isFinite(ms) ? new Date(ms) : null;
}

function humanize(slug) {
  const words = slug.split(/[_\-\s]+/).filter(Boolean);
  if (!words.length) return slug || "Unnamed window";
  const text = words.join(" ");
  return text[0].toUpperCase() + text.slice(1);
}

const slugify = (text) => text.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");

/** A human label for a window key, readable even for keys never seen before. */
export function labelForKey(key) {
  if (has(KNOWN_WINDOWS, key)) return KNOWN_WINDOWS[key];
  for (const [prefix, period] of [["seven_day_", "Weekly"], ["five_hour_", "Session (5h)"]]) {
    if (key.startsWith(prefix) && key.length > prefix.length) {
      return `${period} · ${humanize(key.slice(prefix.length))}`;
    }
  }
  return humanize(key);
}

const isWindowShaped = (v) => isObject(v) && has(v, "utilization") && has(v, "resets_at");

function namedWindows(report) {
  const known = KNOWN_KEYS.filter((k) => has(report, k));
  const unknown = Object.keys(report)
    .filter((k) => !has(KNOWN_WINDOWS, k) && !NON_WINDOW_KEYS.has(k) && isWindowShaped(report[k]))
    .sort();
  const windows = [];
  for (const key of [...known, ...unknown]) {
    const raw = report[key];
    if (!isObject(raw)) continue;
    windows.push({
      key,
      label: labelForKey(key),
      value: number(raw.utilization),
      resetsAt: parseTimestamp(raw.resets_at),
    });
  }
  return windows;
}

function scopeName(scope) {
  if (!isObject(scope)) return null;
  const model = scope.model;
  if (isObject(model)) {
    const name = model.display_name || model.id;
    if (typeof name === "string" && name.trim()) return name.trim();
  }
  const surface = scope.surface;
  if (typeof surface === "string" && surface.trim()) return humanize(surface.trim());
  if (isObject(surface)) {
    const name = surface.display_name || surface.id;
    if (typeof name === "string" && name.trim()) return name.trim();
  }
  return null;
}

function limitKey(kind, scope) {
  if (has(LIMIT_KIND_KEYS, kind)) {
    const key = LIMIT_KIND_KEYS[kind];
    return [key, labelForKey(key)];
  }
  const name = scopeName(scope);
  if (kind === "weekly_scoped") {
    if (name === null) return [null, ""];
    const key = `seven_day_${slugify(name)}`;
    return [key, has(KNOWN_WINDOWS, key) ? KNOWN_WINDOWS[key] : `Weekly · ${name}`];
  }
  const key = `limit_${slugify(kind)}` + (name ? `_${slugify(name)}` : "");
  return [key, humanize(kind) + (name ? ` · ${name}` : "")];
}

function limitWindows(limits) {
  if (!Array.isArray(limits)) return [];
  const windows = [];
  for (const entry of limits) {
    if (!isObject(entry)) continue;
    const kind = entry.kind;
    if (typeof kind !== "string" || !kind) continue;
    const [key, label] = limitKey(kind, entry.scope);
    if (key === null) continue;
    windows.push({
      key,
      label,
      value: number(entry.percent),
      resetsAt: parseTimestamp(entry.resets_at),
    });
  }
  return windows;
}

/** "percent" or "fraction" for one report; see the rule at the top of this file. */
export function decideScale(named, pairs) {
  let percentVotes = 0;
  let fractionVotes = 0;
  for (const [value, percent] of pairs) {
    const asPercent = Math.abs(value - percent) <= AGREEMENT;
    const asFraction = Math.abs(value * 100 - percent) <= AGREEMENT;
    if (asPercent && !asFraction) percentVotes += 1;
    else if (asFraction && !asPercent) fractionVotes += 1;
  }
  if (percentVotes !== fractionVotes) return percentVotes > fractionVotes ? "percent" : "fraction";
  const values = named.filter((v) => v !== null);
  if (values.some((v) => v > 1)) return "percent";
  if (values.some((v) => v !== Math.trunc(v))) return "fraction";
  return "percent";
}

function toPercent(value, scale) {
  if (value === null || value < 0) return null;
  return scale === "fraction" ? value * 100 : value;
}

function extraUsage(raw, scale) {
  if (!isObject(raw)) return null;
  const limit = number(raw.monthly_limit);
  const used = number(raw.used_credits);
  const places = raw.decimal_places;
  const currency = raw.currency;
  const percent =
    limit !== null && limit > 0 && used !== null
      ? (used / limit) * 100
      : toPercent(number(raw.utilization), scale);
  return {
    isEnabled: typeof raw.is_enabled === "boolean" ? raw.is_enabled : null,
    monthlyLimit: limit,
    usedCredits: used,
    percent,
    currency: typeof currency === "string" && currency ? currency.trim().toUpperCase() : null,
    decimalPlaces: Number.isInteger(places) && places >= 0 && places <= 6 ? places : 2,
  };
}

function hasJunk(report) {
  for (const key of RECOGNIZED) {
    const value = report[key];
    if (value === undefined || value === null) continue;
    if (key === "limits" ? !Array.isArray(value) : !isObject(value)) return true;
  }
  return false;
}

function displayOrder(windows) {
  const order = new Map(KNOWN_KEYS.map((k, i) => [k, i]));
  const rank = (w) => {
    if (order.has(w.key)) return order.get(w.key);
    return w.key.startsWith("five_hour") || w.key.startsWith("seven_day")
      ? order.size
      : order.size + 1;
  };
  return [...windows].sort((a, b) => rank(a) - rank(b) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Parse a /usage body: {scale, windows, extraUsage}, or throw UnexpectedReport. */
export function parseUsageReport(data) {
  if (!isObject(data)) throw new UnexpectedReport("not an object");
  const keys = Object.keys(data);
  if (!keys.some((k) => RECOGNIZED.has(k)) && !keys.some((k) => isWindowShaped(data[k]))) {
    throw new UnexpectedReport("no usage keys");
  }
  const named = namedWindows(data);
  const fromLimits = new Map();
  for (const w of limitWindows(data.limits)) if (!fromLimits.has(w.key)) fromLimits.set(w.key, w);
  const pairs = [];
  for (const w of named) {
    const twin = fromLimits.get(w.key);
    if (twin && w.value !== null && twin.value !== null) pairs.push([w.value, twin.value]);
  }
  const scale = decideScale(named.map((w) => w.value), pairs);
  const windows = [];
  for (const w of named) {
    let percent = toPercent(w.value, scale);
    let resetsAt = w.resetsAt;
    const twin = fromLimits.get(w.key);
    if (twin) {
      fromLimits.delete(w.key);
      if (percent === null) percent = toPercent(twin.value, "percent");
      resetsAt = resetsAt || twin.resetsAt;
    }
    windows.push({ key: w.key, label: w.label, percent, resetsAt });
  }
  for (const w of fromLimits.values()) {
    windows.push({ key: w.key, label: w.label, percent: toPercent(w.value, "percent"), resetsAt: w.resetsAt });
  }
  const extra = extraUsage(data.extra_usage, scale);
  if (!windows.length && extra === null && hasJunk(data)) throw new UnexpectedReport("junk");
  return { scale, windows: displayOrder(windows), extraUsage: extra };
}

/** The highest known percent; ties go to the earlier window; unknown never wins. */
export function worstWindow(windows) {
  let best = null;
  for (const w of windows) {
    if (w.percent === null) continue;
    if (best === null || w.percent > best.percent) best = w;
  }
  return best;
}

/** The worst window across organizations ({index, window}); ties go to the earlier one. */
export function worstOf(windowLists) {
  let result = null;
  windowLists.forEach((windows, index) => {
    const w = worstWindow(windows);
    if (w === null) return;
    if (result === null || result.window.percent < w.percent) result = { index, window: w };
  });
  return result;
}
