// The access token of the web UI: `kaibo serve` prints `http://HOST/?token=...`. The page takes
// it from its address once, keeps it in sessionStorage (this tab only, gone when it closes),
// and takes it out of the address at once, so it stays out of history, bookmarks and
// screenshots. A reload of the tab finds it in sessionStorage.

export const TOKEN_KEY = "kaibo-token";

/** What the function needs of `window` (so a test can hand in its own). */
export interface PageParts {
  location: { href: string };
  history: Pick<History, "replaceState">;
  sessionStorage: Pick<Storage, "getItem" | "setItem">;
}

/** The token from the address (which it then removes) or from this tab's storage. */
export function tokenFromPage(page: PageParts = window): string | null {
  const url = new URL(page.location.href);
  const token = url.searchParams.get("token");
  if (url.searchParams.has("token")) {
    url.searchParams.delete("token");
    page.history.replaceState(null, "", url.toString());
  }
  if (token) {
    page.sessionStorage.setItem(TOKEN_KEY, token);
    return token;
  }
  return page.sessionStorage.getItem(TOKEN_KEY);
}
