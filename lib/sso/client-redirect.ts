// The client's redirectUrl: refused when it could run code in our origin, shown to the person in
// a form they can judge, and given the login token as Synapse does.

const FORBIDDEN_SCHEMES = new Set(["javascript:", "data:", "vbscript:", "file:", "blob:"]);

/** Why a client redirect URL is unacceptable, or null. Synapse accepts any string. */
export function clientRedirectUrlProblem(redirectUrl: string): string | null {
  let url: URL;
  try {
    url = new URL(redirectUrl);
  } catch {
    return "redirectUrl must be an absolute URL";
  }
  if (FORBIDDEN_SCHEMES.has(url.protocol.toLowerCase())) return `redirectUrl may not use the ${url.protocol} scheme`;
  return null;
}

/** Appends loginToken to the query, keeping existing parameters and the fragment (Synapse's add_query_param_to_url). */
export function withLoginToken(redirectUrl: string, loginToken: string): string {
  const url = new URL(redirectUrl);
  url.searchParams.append("loginToken", loginToken);
  return url.toString();
}

/** What the confirm page names as the app: the host for https, else scheme, host and path (Synapse). */
export function displayUrlOf(redirectUrl: string): string {
  const url = new URL(redirectUrl);
  if (url.protocol === "https:") {
    const credentials = url.username ? `${url.username}${url.password ? `:${url.password}` : ""}@` : "";
    return `${credentials}${url.host}`;
  }
  return `${url.protocol}//${url.host}${url.pathname}`;
}

function parseUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/**
 * Whether `redirectUrl` is covered by one sso.client_whitelist entry. Synapse matches a plain string
 * prefix, so an entry without a path (`https://app.example.com`) also covers
 * `https://app.example.com.evil.net/`, which then receives a login token without the confirm page.
 * Here an entry is matched at boundaries instead (a deliberate difference, named in the README): the
 * same scheme, host and port, and a path equal to the entry's or below it (`/app` covers `/app` and
 * `/app/x`, not `/apple`; `/app/` covers what is below `/app/`). An entry with a query or fragment
 * must also be a prefix of the whole URL. An entry that is not a URL covers nothing.
 */
function whitelistEntryCovers(entryText: string, redirectUrl: URL): boolean {
  const entry = parseUrl(entryText);
  if (!entry) return false;
  if (entry.protocol !== redirectUrl.protocol || entry.host !== redirectUrl.host) return false;
  if (entry.username !== redirectUrl.username || entry.password !== redirectUrl.password) return false;
  const prefix = entry.pathname;
  const path = redirectUrl.pathname;
  const pathCovered = prefix.endsWith("/") ? path.startsWith(prefix) : path === prefix || path.startsWith(`${prefix}/`);
  if (!pathCovered) return false;
  return entry.search || entry.hash ? redirectUrl.href.startsWith(entry.href) : true;
}

export function isWhitelistedClient(redirectUrl: string, whitelist: string[]): boolean {
  const url = parseUrl(redirectUrl);
  return url !== null && whitelist.some((entry) => whitelistEntryCovers(entry, url));
}

/** How an sso.client_whitelist entry is read, in words for the start-up log. */
export function describeWhitelistEntry(entryText: string): string {
  const entry = parseUrl(entryText);
  if (!entry) return `"${entryText}" is not a URL and covers no client`;
  const where = `${entry.protocol}//${entry.host}`;
  const path = entry.pathname || "/";
  const paths = path.endsWith("/") ? `every path under ${path}` : `${path} and every path under ${path}/`;
  const extra = entry.search || entry.hash ? `, starting with ${entry.search}${entry.hash}` : "";
  return `"${entryText}" covers ${where} (that scheme, host and port only), ${paths}${extra}`;
}

/** The form-action CSP source that lets the confirm form's redirect reach the client. */
export function formActionSourceOf(redirectUrl: string): string {
  const url = new URL(redirectUrl);
  return url.protocol === "http:" || url.protocol === "https:" ? url.origin : url.protocol;
}
