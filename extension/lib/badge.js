// What the toolbar badge shows: the worst percent in the app's colours, "!" on error.

import { gradeFor, iconText, formatPercent, UNKNOWN } from "./grades.js";
import { worstOf } from "./usage.js";
import { BRIDGE_TEXT } from "./bridge.js";

/** {text, color, title} for a view (see claude.js) and a bridge state (see bridge.js). */
export function badgeFor(view, bridgeState) {
  const lines = ["ClaudeMeter"];
  let text;
  let color;
  const worst = worstOf(view.orgs.map((o) => o.windows));
  const errors = [view.error, ...view.orgs.map((o) => o.error)].filter(Boolean);
  if (worst !== null) {
    text = iconText(worst.window.percent);
    color = gradeFor(worst.window.percent).rgb;
    for (const org of view.orgs) {
      const prefix = view.orgs.length > 1 && org.name ? `${org.name}: ` : "";
      for (const w of org.windows) lines.push(`${prefix}${w.label}: ${formatPercent(w.percent)}`);
    }
  } else if (errors.length) {
    text = "!";
    color = UNKNOWN.rgb;
  } else {
    text = "";
    color = UNKNOWN.rgb;
  }
  for (const error of errors) lines.push(error.message);
  if (bridgeState && bridgeState !== "connected") lines.push(BRIDGE_TEXT[bridgeState]);
  return { text, color, title: lines.join("\n") };
}
