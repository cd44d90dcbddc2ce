// Browser-facing protections shared by proxy.ts and the form handlers.
//
// Cross-site request forgery defence for the browser forms (username picker, redirect confirm,
// password fallback, admin console). A state-changing request is refused unless the browser says it
// comes from one of our own pages:
//
// - `Sec-Fetch-Site` (set by the browser itself, and sent by every current one) must be
//   `same-origin` (or `none`: typed by the person); `same-site` is refused too, so a sibling host
//   (another port or subdomain) cannot post. When it is present, it decides.
// - Otherwise (older browsers) `Origin` must be the public_baseurl origin or the origin the request
//   was addressed to (its Host). `Origin: null` is refused there: it is what a sandboxed frame or a
//   data: page sends, so it proves nothing about where the request came from. (Browsers also send it
//   for our own forms under `Referrer-Policy: no-referrer`, but every browser that does so also
//   sends `Sec-Fetch-Site`, which decides first.)
//
// A request with neither header does not come from a browser that would carry the person's cookies
// on a cross-site request, so it is let through. The SameSite=Lax session cookies remain a second
// line of defence for the older browsers above.

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function isStateChangingMethod(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase());
}

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/**
 * Why a state-changing request looks forged, or null if it may proceed. `publicBaseUrl` is the
 * configured public_baseurl; the request's Host header stands for the address it was sent to.
 */
export function crossSiteRequestProblem(headers: Headers, publicBaseUrl: string | undefined): string | null {
  const fetchSite = headers.get("sec-fetch-site");
  if (fetchSite !== null) {
    return fetchSite === "same-origin" || fetchSite === "none" ? null : `the browser marked the request as ${fetchSite}`;
  }
  const origin = headers.get("origin");
  if (origin === null) return null;
  if (origin === "null") return "the request comes from an opaque origin (Origin: null)";
  const requestOrigin = originOf(origin);
  if (requestOrigin === null) return "the Origin header is not a URL";
  const host = headers.get("host");
  if (host && new URL(requestOrigin).host.toLowerCase() === host.toLowerCase()) return null;
  const publicOrigin = publicBaseUrl ? originOf(publicBaseUrl) : null;
  if (publicOrigin !== null && requestOrigin === publicOrigin) return null;
  return `the request comes from ${requestOrigin}`;
}

/** The page a refused request gets: 403, no state changed, nothing echoed back. */
export function forbiddenCrossSiteResponse(): Response {
  const body =
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Request refused</title>' +
    '<link rel="stylesheet" href="/sso.css"></head><body><main class="card"><h1>Request refused</h1>' +
    "<p>This form was sent from another site, so it was not accepted. Go back to the page and try again.</p>" +
    "</main></body></html>";
  return new Response(body, {
    status: 403,
    headers: {
      "Content-Type": "text/html; charset=utf-8",
      "Cache-Control": "no-store",
      ...pageSecurityHeaders(null),
    },
  });
}

/**
 * The security headers of an HTML page. With a nonce, the page may run scripts carrying it (and
 * what they load: 'strict-dynamic'), as Next.js's pages need; without, only scripts from our origin.
 */
export function pageSecurityHeaders(nonce: string | null): Record<string, string> {
  const scripts = nonce ? `'self' 'nonce-${nonce}' 'strict-dynamic'` : "'self'";
  const styles = nonce ? `'self' 'nonce-${nonce}'` : "'self'";
  return {
    "Content-Security-Policy": [
      "default-src 'self'",
      `script-src ${scripts}`,
      `style-src ${styles}`,
      "img-src 'self' https: data:",
      "font-src 'self'",
      "connect-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join("; "),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
  };
}
