// Text forms for the popup, as in claude_meter/core/display.py.

const SYMBOLS = { USD: "$", EUR: "€", GBP: "£", JPY: "¥" };
const PLANS = [
  ["max_20x", "Max 20x"],
  ["max_5x", "Max 5x"],
  ["claude_max", "Max"],
  ["enterprise", "Enterprise"],
  ["team", "Team"],
  ["raven", "Team"],
  ["pro", "Pro"],
];
const pad = (n) => String(n).padStart(2, "0");

function when(date, timeZone) {
  const parts = new Intl.DateTimeFormat("en-US", {
    weekday: "short",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZone,
  }).formatToParts(date);
  const get = (type) => parts.find((p) => p.type === type)?.value ?? "";
  return `${get("weekday")} ${get("hour")}:${get("minute")}`;
}

/** The popup's live countdown: "resets in 2d 4h 13m · Fri 09:00" (seconds under a day). */
export function formatCountdown(resetsAt, now, timeZone = undefined) {
  if (!resetsAt) return "not started yet";
  const at = when(resetsAt, timeZone);
  const seconds = Math.trunc((resetsAt.getTime() - now.getTime()) / 1000);
  if (seconds <= 0) return `resetting now · ${at}`;
  const days = Math.floor(seconds / 86400);
  const hours = Math.floor((seconds % 86400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const secs = seconds % 60;
  let left;
  if (days) left = `${days}d ${hours}h ${minutes}m`;
  else if (hours) left = `${hours}h ${pad(minutes)}m ${pad(secs)}s`;
  else left = `${minutes}m ${pad(secs)}s`;
  return `resets in ${left} · ${at}`;
}

/** "default_claude_max_20x" -> "Max 20x"; an unknown tier is shown as sent. */
export function planLabel(tier) {
  if (!tier) return null;
  const lowered = tier.toLowerCase();
  for (const [needle, label] of PLANS) if (lowered.includes(needle)) return label;
  return tier;
}

/** An amount in minor units, in its own currency: "$12.50", "CHF 3.00". */
export function formatMoney(minorUnits, currency, decimalPlaces = 2) {
  const amount = minorUnits / 10 ** decimalPlaces;
  const number = amount.toLocaleString("en-US", {
    minimumFractionDigits: decimalPlaces,
    maximumFractionDigits: decimalPlaces,
  });
  const code = (currency || "").toUpperCase();
  if (SYMBOLS[code]) return `${SYMBOLS[code]}${number}`;
  return code ? `${code} ${number}` : number;
}

/** "$12.50 of $50.00 (25%)", or what is known of it. */
export function formatExtraUsage(extra) {
  if (extra.isEnabled === false) return "off";
  const parts = [];
  if (extra.usedCredits !== null) {
    parts.push(formatMoney(extra.usedCredits, extra.currency, extra.decimalPlaces));
  }
  if (extra.monthlyLimit !== null) {
    parts.push(
      (parts.length ? "of " : "limit ") +
        formatMoney(extra.monthlyLimit, extra.currency, extra.decimalPlaces),
    );
  }
  let text = parts.join(" ");
  if (extra.percent !== null) {
    const pct = `${Math.floor(extra.percent + 1e-9)}%`;
    text = text ? `${text} (${pct})` : pct;
  }
  return text || "on";
}
