// The client's redirectUrl: refused when it could run code in our origin, shown to the person in
// a form they can judge, and given the login token as Synapse does.

const FORBIDDEN_SCHEMES = new Set(["javascript:", "data:", "vbscript:", "file:", "blob:"]);

/** Why a client redirect URL is unacceptable, or null. Synapse accepts any string (reference §7.2, 11). */
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

/** Synapse's client_whitelist: a plain prefix match. */
export function isWhitelistedClient(redirectUrl: string, whitelist: string[]): boolean {
  return whitelist.some((prefix) => redirectUrl.startsWith(prefix));
}

/** The form-action CSP source that lets the confirm form's redirect reach the client. */
export function formActionSourceOf(redirectUrl: string): string {
  const url = new URL(redirectUrl);
  return url.protocol === "http:" || url.protocol === "https:" ? url.origin : url.protocol;
}
