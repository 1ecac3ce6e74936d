// Colour grades and short text forms, as in claude_meter/core/grades.py, meter.py and
// display.py: below 50 % green, 50-79 % yellow, 80-94 % orange, 95 % and up red.

export const GRADES = Object.freeze([
  { name: "ok", floor: 0, rgb: "#2e9d4f" },
  { name: "warn", floor: 50, rgb: "#d4a514" },
  { name: "high", floor: 80, rgb: "#e8702a" },
  { name: "critical", floor: 95, rgb: "#d93a30" },
]);
export const UNKNOWN = Object.freeze({ name: "unknown", floor: NaN, rgb: "#8a8a8a" });

/** The grade of a percent, judged on the whole percent shown; unknown is grey. */
export function gradeFor(percent) {
  if (percent === null || percent === undefined || Number.isNaN(percent)) return UNKNOWN;
  const shown = percent >= 0 ? Math.trunc(percent + 1e-9) : 0;
  let chosen = GRADES[0];
  for (const grade of GRADES) if (shown >= grade.floor) chosen = grade;
  return chosen;
}

/** The badge: at most three characters ("7", "64", "100"); unknown is "?". */
export function iconText(percent) {
  if (percent === null || percent === undefined) return "?";
  return String(Math.min(Math.max(Math.trunc(percent + 1e-9), 0), 999));
}

/** "37%", rounded down so 79.6 % never reads as the 80 % wall; "?" when unknown. */
export function formatPercent(percent) {
  if (percent === null || percent === undefined) return "?";
  return `${Math.floor(percent + 1e-9)}%`;
}
