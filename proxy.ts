// Next.js proxy (Next 16's middleware), in front of the browser-facing parts of the service only —
// the JSON client-server API does not pass through here.
//
// - Pages rendered by Next.js (the admin console, Next's own error pages)
//   get a per-request CSP nonce, which Next.js puts on its own scripts, and the security headers the
//   SSO pages get from lib/pages/html-response.ts.
// - Every state-changing request to a browser form (username picker, redirect confirm, new-user
//   consent, UI-auth password fallback, and any page's form or server action) must come from our own
//   pages: a cross-site POST is answered 403 before any handler runs (lib/http/browser-security.ts).
import { NextResponse, type NextRequest } from "next/server";
import { getConfig } from "./lib/config/load-config";
import {
  crossSiteRequestProblem,
  forbiddenCrossSiteResponse,
  isStateChangingMethod,
  pageSecurityHeaders,
} from "./lib/http/browser-security";

/** Route handlers that render their own HTML (and security headers) but take form posts. */
const FORM_ENDPOINTS = [
  /^\/_synapse\/client\/pick_username\/account_details$/,
  /^\/_synapse\/client\/sso_confirm$/,
  /^\/_synapse\/client\/new_user_consent$/,
  /^\/_matrix\/client\/[^/]+\/auth\/[^/]+\/fallback\/web$/,
];

function publicBaseUrl(): string | undefined {
  try {
    return getConfig().public_baseurl;
  } catch {
    return undefined;
  }
}

/** Pages rendered by route handlers (lib/pages/landing-pages.ts), with their own security headers. */
const OWN_HEADER_PAGES = new Set(["/", "/signed-in", "/_matrix/static/client/login", "/_matrix/consent"]);
/** The sign-in and account pages (lib/web-session, lib/account): route handlers with their own headers too. */
const OWN_HEADER_PREFIXES = /^\/(?:sign-in|account)(?:\/|$)/;

export function proxy(request: NextRequest) {
  const path = request.nextUrl.pathname;
  if (isStateChangingMethod(request.method)) {
    const problem = crossSiteRequestProblem(request.headers, publicBaseUrl());
    if (problem) return forbiddenCrossSiteResponse();
  }
  if (FORM_ENDPOINTS.some((pattern) => pattern.test(path)) || OWN_HEADER_PAGES.has(path) || OWN_HEADER_PREFIXES.test(path)) return NextResponse.next();
  // The theme preview renders its own page and headers (it must be framable by the editor).
  if (path.startsWith("/admin/preview/")) return NextResponse.next();

  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
  const headers = pageSecurityHeaders(nonce);
  const requestHeaders = new Headers(request.headers);
  // Next.js reads the nonce for its scripts from the request's CSP header.
  requestHeaders.set("Content-Security-Policy", headers["Content-Security-Policy"]);
  requestHeaders.set("x-nonce", nonce);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}

export const config = {
  matcher: [
    // Pages: everything but the JSON API, the SSO route handlers (which set their own headers),
    // Next's static files and the files in public/. (The admin's theme preview passes through
    // above, for the CSRF check only.)
    "/((?!_next/static/|_next/image|_matrix/client/|_matrix/media/|_matrix/saml2/|_synapse/|[^/]+\\.(?:css|js|png|svg|ico|jpg|webp|txt)$).*)",
    "/_synapse/client/pick_username/account_details",
    "/_synapse/client/sso_confirm",
    "/_synapse/client/new_user_consent",
    "/_matrix/client/:version/auth/:stage/fallback/web",
  ],
};
