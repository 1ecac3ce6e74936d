// Which browser profile this is, in the person's words ("Work"), so the ClaudeMeter app files
// this browser's numbers under the right account.
//
// An MV3 extension cannot learn its browser profile's name, and Chromium gives an extension
// the same id in every profile (Firefox a random one per profile, known to nobody), so the
// person types a label in the popup. Each post carries it as "profile", with the claude.ai
// account (/api/account, and so its email) the post already carries; the app matches both
// against its accounts of kind "extension" (core/account_routing.py). The label is only ever
// compared with what the person configured in the app; it names no account by itself.
//
// The rule is the app's (core/account_routing.py profile_label), tested against the same
// rows: tests/vectors/profile_labels.json. A label the app would refuse is never sent.

export const MAX_LABEL = 64;
const SECRET_LIKE = /sk-ant-|sessionKey|Bearer\s|cookie\s*:/i;
const NOT_PRINTABLE = /\p{C}/u; // control, format, surrogate, private use, unassigned

/**
 * {label, error}: the label to send (trimmed, inner spaces folded; null for none), or null
 * and what is wrong with it, in the person's words.
 */
export function checkLabel(value) {
  if (value === null || value === undefined) return { label: null, error: null };
  if (typeof value !== "string") return { label: null, error: "A profile name is text." };
  if (NOT_PRINTABLE.test(value)) {
    return { label: null, error: "A profile name holds printable characters only." };
  }
  if (SECRET_LIKE.test(value)) {
    return { label: null, error: "This looks like a secret, not a name: never paste a session here." };
  }
  const label = value.split(/\s+/).filter(Boolean).join(" ");
  if ([...label].length > MAX_LABEL) {
    return { label: null, error: `A profile name is at most ${MAX_LABEL} characters.` };
  }
  return { label: label || null, error: null };
}

/** The post as the app gets it: with this profile's label when there is one. */
export function withProfile(post, label) {
  const { label: checked } = checkLabel(label);
  return checked ? { ...post, profile: checked } : post;
}
