// Talking to the ClaudeMeter app on this computer.
//
// The app listens on 127.0.0.1 only and refuses anything that is not a paired extension.
// Pairing: the person presses "Pair browser extension" in the app (or runs
// `claude-meter bridge --pair`), which opens a two-minute window; while this extension has no
// token it asks (POST /pair) on every run, so it pairs itself within seconds of the window
// opening. Every post carries `Authorization: Bearer <token>`; a 401 means the app forgot the
// token, so it is dropped and pairing starts again. Only POSTs: Chromium sends the `Origin`
// the app checks on an extension's POST, not on its GET.

export const DEFAULT_PORT = 63762;

/** Bridge states, each with what the person should do. */
export const BRIDGE_TEXT = Object.freeze({
  connected: "Connected to the ClaudeMeter app.",
  unpaired: "Not paired with the ClaudeMeter app: press \u201cPair browser extension\u201d in the app (or run claude-meter bridge --pair); this extension pairs itself within seconds.",
  app_not_running: "The ClaudeMeter app is not running on this computer (or uses another port). The badge still works on its own.",
  refused: "The ClaudeMeter app refused the numbers; they are still shown here.",
});

export function validPort(value) {
  const port = Number(value);
  return Number.isInteger(port) && port >= 1024 && port <= 65535 ? port : null;
}

async function request(fetchFn, url, init) {
  try {
    return await fetchFn(url, { ...init, method: "POST", cache: "no-store", credentials: "omit", redirect: "error" });
  } catch {
    return null;
  }
}

/** Where the app shows this browser's numbers, from its answer to a post; nothing for its
 * default account (one account, or no account named for this profile: as before accounts). */
export function whereShown(account) {
  return typeof account === "string" && account
    ? `The app shows these numbers under the account “${account}”.`
    : "";
}

/**
 * Pair if needed, then post `payload`. `store` is {getToken(port), setToken(port, token|null)}.
 * Returns {state, pairedNow, account}: `account` is the name of the app's account the post
 * was filed under (null: its default account), known once a post was accepted.
 */
export async function syncWithApp({ fetchFn, store, port, payload }) {
  const base = `http://127.0.0.1:${port}`;
  let pairedNow = false;
  let token = await store.getToken(port);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    if (!token) {
      const answer = await request(fetchFn, `${base}/pair`, {});
      if (answer === null) return { state: "app_not_running", pairedNow };
      if (answer.status !== 200) return { state: "unpaired", pairedNow };
      const data = await answer.json().catch(() => null);
      if (!data || typeof data.token !== "string" || !data.token) return { state: "unpaired", pairedNow };
      token = data.token;
      pairedNow = true;
      await store.setToken(port, token);
    }
    if (payload === null) return { state: "connected", pairedNow };
    const answer = await request(fetchFn, `${base}/snapshots`, {
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: JSON.stringify(payload),
    });
    if (answer === null) return { state: "app_not_running", pairedNow };
    if (answer.status === 200) {
      const data = await answer.json().catch(() => null);
      const account = data && typeof data.account === "string" ? data.account.slice(0, 40) : null;
      return { state: "connected", pairedNow, account };
    }
    if (answer.status !== 401) return { state: "refused", pairedNow };
    token = null; // the app no longer knows this token: pair again (the window may be open)
    await store.setToken(port, null);
  }
  return { state: "unpaired", pairedNow };
}
