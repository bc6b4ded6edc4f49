// Web mode's access token, kept where only this origin can read it. `moduli serve` prints a URL with the
// token in the fragment (#token=…), which browsers never send to a server; the page moves it into
// localStorage, scoped to scheme, host and port, so no other local server ever receives it (a cookie would
// be: browsers scope cookies by host, not port). Later tabs and reloads find it there.
const KEY = 'moduli_token';

export function takeTokenFromUrl(loc: Location = location, storage: Storage = localStorage): void {
  const m = /(?:^#|&)token=([^&]+)/.exec(loc.hash);
  if (!m) return;
  try {
    storage.setItem(KEY, decodeURIComponent(m[1]));
  } catch {
    // Storage disabled: the token still works for this page through the URL we leave in place.
    return;
  }
  history.replaceState(null, '', loc.pathname + loc.search);
}

export function webToken(storage: Storage = localStorage): string | null {
  try {
    return storage.getItem(KEY) ?? /(?:^#|&)token=([^&]+)/.exec(location.hash)?.[1] ?? null;
  } catch {
    return null;
  }
}
