// The extension's copy of the app's rules against the shared vectors in tests/vectors/: the
// scale and worst-window rules, grades, countdowns, and which failure an answer stands for.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

import { parseUsageReport, parseTimestamp, worstOf, worstWindow, UnexpectedReport } from "../lib/usage.js";
import { gradeFor, iconText, formatPercent } from "../lib/grades.js";
import { formatCountdown } from "../lib/display.js";
import { readClaude } from "../lib/claude.js";

const here = dirname(fileURLToPath(import.meta.url));
const vectors = join(here, "..", "..", "tests", "vectors");
const cases = (name) => JSON.parse(readFileSync(join(vectors, name), "utf8")).cases;
const iso = (date) => (date ? date.toISOString() : null);

for (const c of cases("usage_reports.json")) {
  test(`usage report: ${c.name}`, () => {
    if (c.expected === "unexpected") {
      assert.throws(() => parseUsageReport(c.report), UnexpectedReport);
      return;
    }
    const report = parseUsageReport(c.report);
    assert.equal(report.scale, c.expected.scale);
    const windows = report.windows.map((w) => ({
      key: w.key,
      label: w.label,
      percent: w.percent,
      resets_at: iso(w.resetsAt),
    }));
    assert.deepEqual(windows, c.expected.windows);
    const worst = worstWindow(report.windows);
    assert.deepEqual(worst && { key: worst.key, percent: worst.percent }, c.expected.worst);
    assert.equal(report.extraUsage ? report.extraUsage.percent : null, c.expected.extra_usage_percent);
  });
}

for (const c of cases("worst_of.json")) {
  test(`worst of: ${c.name}`, () => {
    const found = worstOf(c.reports.map((r) => parseUsageReport(r).windows));
    const got = found && { org_index: found.index, key: found.window.key, percent: found.window.percent };
    assert.deepEqual(got, c.expected);
  });
}

for (const c of cases("grades.json")) {
  test(`grade of ${c.percent}`, () => {
    assert.equal(gradeFor(c.percent).name, c.grade);
    assert.equal(gradeFor(c.percent).rgb, c.rgb);
    assert.equal(iconText(c.percent), c.badge);
    assert.equal(formatPercent(c.percent), c.shown);
  });
}

for (const c of cases("countdowns.json")) {
  test(`countdown to ${c.resets_at}`, () => {
    assert.equal(formatCountdown(parseTimestamp(c.resets_at), parseTimestamp(c.now), "UTC"), c.expected);
  });
}

// Each answer to /api/organizations, read by readClaude as the browser would get it; anything
// else answers 404. The kind of the poll's error (or null) must be the app's.
for (const c of cases("errors.json")) {
  test(`error: ${c.name}`, async () => {
    const body = c.body.replace("{filler}", " ".repeat(c.filler ?? 0));
    const fetchFn = async (url) =>
      new URL(url).pathname === "/api/organizations"
        ? new Response(body, { status: c.status, headers: c.headers })
        : new Response("{}", { status: 404, headers: { "content-type": "application/json" } });
    const { post, view } = await readClaude(fetchFn, "https://claude.ai");
    assert.equal(post.error?.kind ?? null, c.kind);
    assert.equal(view.error?.kind ?? null, c.kind);
    if (c.kind === null) assert.ok(post.organizations.length > 0);
    if (c.kind === "rate_limited") assert.equal(post.error.retry_after ?? null, c.retry_after);
  });
}
