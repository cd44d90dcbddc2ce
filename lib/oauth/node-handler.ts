// server.ts hands every request under /oauth2/ and /.well-known/openid-configuration here.
// Before oidc-provider answers, this adds what the Matrix profile needs and oidc-provider lacks:
// - registration: a per-address rate limit, then the Matrix rules for client metadata
//   (./client-metadata.ts), refused with RFC 7591's errors before anything is stored;
// - revocation without client authentication (Matrix v1.15: client_id is optional): the client
//   is the token's own; an unknown token is answered 200, as RFC 7009 asks;
// - CORS preflights for the endpoints a browser client (element-web) calls;
// - the interaction pages (./interaction.ts).
import type { IncomingMessage, ServerResponse } from "node:http";
import { getConfig } from "../config/load-config";
import type { HomeserverConfig } from "../config/schema";
import { logger } from "../logging/logger";
import { MatrixError } from "../matrix/errors";
import { sharedLimiter } from "../ratelimit/login-limiters";
import { sendWebResponse } from "../routing/node-bridge";
import { clientIdOfToken } from "./adapter";
import { checkClientMetadata, withPublicClientDefaults } from "./client-metadata";
import { INTERACTION_PREFIX, OAUTH_ROUTES } from "./endpoints";
import { readNodeBody, replaceNodeBody, sendJson } from "./node-request";
import { handleInteraction } from "./interaction";
import { oauthErrorPage } from "./pages";
import { oauthProvider, type OAuthProvider } from "./provider";

const BODY_LIMIT = 56 * 1024;
const CORS_HEADERS = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
  "Access-Control-Allow-Headers": "Authorization, Content-Type, X-Requested-With",
  "Access-Control-Max-Age": "86400",
};

/** Makes oidc-provider build every URL on public_baseurl, whatever Host the request came with. */
function pinPublicAddress(req: IncomingMessage, config: HomeserverConfig): void {
  const base = new URL(config.public_baseurl);
  req.headers["x-forwarded-proto"] = base.protocol.slice(0, -1);
  req.headers["x-forwarded-host"] = base.host;
  req.headers["x-forwarded-for"] = String(req.headers["x-matrix-client-ip"] ?? req.socket.remoteAddress ?? "");
}

/**
 * A device grant's user code is 8 letters of 20 (about 2.6·10¹⁰): unlimited guesses at /oauth2/device
 * from one address would find someone's pending code in time. Answers a page in words when over.
 */
async function deviceCodeGuessesExceeded(req: IncomingMessage, res: ServerResponse, config: HomeserverConfig): Promise<boolean> {
  try {
    await sharedLimiter("oauth.device_code_verification", config.oauth_server.rc_device_code_verification).check(String(req.headers["x-matrix-client-ip"] ?? "unknown"));
    return false;
  } catch (error) {
    if (!(error instanceof MatrixError)) throw error;
    const seconds = Math.ceil(Number(error.extra.retry_after_ms ?? 1000) / 1000);
    const page = await oauthErrorPage("slow_down", `Too many codes were tried from your network. Wait ${seconds} seconds, then enter the code your device shows again.`, undefined, { forPerson: true });
    const response = new Response(page.body, { status: 429, headers: page.headers });
    response.headers.set("Retry-After", String(seconds));
    await sendWebResponse(res, response);
    return true;
  }
}

async function register(provider: OAuthProvider, req: IncomingMessage, res: ServerResponse, config: HomeserverConfig) {
  const settings = config.oauth_server;
  try {
    await sharedLimiter("oauth.registration", settings.rc_client_registration).check(String(req.headers["x-matrix-client-ip"] ?? "unknown"));
  } catch (error) {
    if (!(error instanceof MatrixError)) throw error;
    const seconds = Math.ceil(Number(error.extra.retry_after_ms ?? 1000) / 1000);
    return sendJson(res, 429, { error: "temporarily_unavailable", error_description: `Too many client registrations from this address: try again in ${seconds} s.` }, { ...CORS_HEADERS, "Retry-After": String(seconds) });
  }
  const raw = await readNodeBody(req, BODY_LIMIT);
  if (raw === null) return sendJson(res, 413, { error: "invalid_request", error_description: "The registration request is too large." }, CORS_HEADERS);
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return sendJson(res, 400, { error: "invalid_client_metadata", error_description: "The registration request must be JSON." }, CORS_HEADERS);
  }
  const problem = checkClientMetadata(body, { allowInsecureLoopback: settings.allow_insecure_loopback_clients });
  if (problem) return sendJson(res, 400, problem, CORS_HEADERS);
  replaceNodeBody(req, JSON.stringify(withPublicClientDefaults(body as Record<string, unknown>)));
  provider.callback()(req, res);
}

async function revoke(provider: OAuthProvider, req: IncomingMessage, res: ServerResponse) {
  const raw = await readNodeBody(req, BODY_LIMIT);
  if (raw === null) return sendJson(res, 413, { error: "invalid_request", error_description: "The request is too large." }, CORS_HEADERS);
  const form = new URLSearchParams(raw);
  const token = form.get("token");
  if (token && !form.has("client_id") && !req.headers.authorization) {
    const clientId = await clientIdOfToken(token);
    if (clientId === null) {
      res.writeHead(200, { ...CORS_HEADERS, "Cache-Control": "no-store" });
      res.end();
      return;
    }
    form.set("client_id", clientId);
  }
  replaceNodeBody(req, form.toString());
  provider.callback()(req, res);
}

const CORS_PATHS = new Set<string>([OAUTH_ROUTES.token, OAUTH_ROUTES.registration, OAUTH_ROUTES.revocation, OAUTH_ROUTES.jwks, "/.well-known/openid-configuration"]);

export async function handleOAuthRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const config = getConfig();
  const pathname = (req.url ?? "/").split("?")[0];
  if (!config.oauth_server.enabled) return sendJson(res, 404, { error: "not_found", error_description: "OAuth 2.0 is not enabled on this server." });
  try {
    if (CORS_PATHS.has(pathname)) {
      if (req.method === "OPTIONS") {
        res.writeHead(204, CORS_HEADERS);
        res.end();
        return;
      }
      for (const [name, value] of Object.entries(CORS_HEADERS)) res.setHeader(name, value);
    }
    pinPublicAddress(req, config);
    const provider = await oauthProvider(config);
    if (pathname.startsWith(INTERACTION_PREFIX)) return await handleInteraction(provider, req, res);
    if (pathname === OAUTH_ROUTES.registration && req.method === "POST") return await register(provider, req, res, config);
    if (pathname === OAUTH_ROUTES.revocation && req.method === "POST") return await revoke(provider, req, res);
    if (pathname === OAUTH_ROUTES.code_verification && req.method === "POST" && (await deviceCodeGuessesExceeded(req, res, config))) return;
    provider.callback()(req, res);
  } catch (error) {
    logger.error(`unexpected error on ${req.method} ${pathname}`, error);
    if (!res.headersSent) sendJson(res, 500, { error: "server_error" });
    else res.end();
  }
}
