// The Matrix rules for dynamic client registration (Matrix v1.15 "Client registration", MSC2966),
// checked before oidc-provider sees the request: oidc-provider enforces RFC 7591 and OpenID's rules,
// the Matrix profile is stricter about where a client's URIs may point, so that the consent page
// can name the client by its client_uri host and every other URI is provably the same party's.
import { createHash } from "node:crypto";
import { z } from "zod";
import { DEVICE_GRANT_TYPE } from "./device-flow";

export interface ClientMetadataProblem {
  error: "invalid_client_metadata" | "invalid_redirect_uri";
  error_description: string;
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);
const LOCALIZABLE = ["client_uri", "logo_uri", "policy_uri", "tos_uri", "client_name"];

const registrationBody = z.looseObject({
  application_type: z.enum(["web", "native"]).optional(),
  client_uri: z.string({ error: "client_uri is required" }),
  redirect_uris: z.array(z.string()).min(1, "redirect_uris must list at least one URI").optional(),
  grant_types: z.array(z.string()).optional(),
  response_types: z.array(z.string()).optional(),
  token_endpoint_auth_method: z.string().optional(),
});

function parseUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/** `host` is `base` or one of its subdomains. */
function isSameOrSubdomain(host: string, base: string): boolean {
  return host === base || host.endsWith(`.${base}`);
}

/** `io.element.app` → `app.element.io`. */
function reverseDns(scheme: string): string {
  return scheme.split(".").reverse().join(".");
}

function problem(error: ClientMetadataProblem["error"], description: string): ClientMetadataProblem {
  return { error, error_description: description };
}

/**
 * Why a registration request breaks the Matrix profile, or null when it may go on to oidc-provider.
 * `allowInsecureLoopback`: oauth_server.allow_insecure_loopback_clients (development).
 */
export function checkClientMetadata(body: unknown, { allowInsecureLoopback = false } = {}): ClientMetadataProblem | null {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return problem("invalid_client_metadata", "The registration request must be a JSON object.");
  }
  const parsed = registrationBody.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.join(".");
    const description = field === "client_uri" ? "client_uri is required" : `${field}: ${issue.message}`;
    return problem(field.startsWith("redirect_uris") ? "invalid_redirect_uri" : "invalid_client_metadata", description);
  }
  const metadata = parsed.data;
  const clientUri = parseUrl(metadata.client_uri);
  if (!clientUri) return problem("invalid_client_metadata", "client_uri must be a URL.");
  const insecureLoopback = allowInsecureLoopback && clientUri.protocol === "http:" && LOOPBACK_HOSTS.has(clientUri.hostname);
  if (clientUri.protocol !== "https:" && !insecureLoopback) return problem("invalid_client_metadata", "client_uri must use https.");
  if (clientUri.username || clientUri.password) return problem("invalid_client_metadata", "client_uri must not contain a user name or password.");
  const baseHost = clientUri.hostname;

  // Every other URI of the client (and their localized variants, `logo_uri#fr`) on the same host.
  for (const [key, value] of Object.entries(metadata)) {
    const field = key.split("#")[0];
    if (!LOCALIZABLE.includes(field) || field === "client_name") continue;
    if (typeof value !== "string") return problem("invalid_client_metadata", `${key} must be a string.`);
    if (field === "client_uri" && key === "client_uri") continue;
    const url = parseUrl(value);
    if (!url) return problem("invalid_client_metadata", `${key} must be a URL.`);
    const secure = url.protocol === "https:" || (insecureLoopback && url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname));
    if (!secure) return problem("invalid_client_metadata", `${key} must use https.`);
    if (url.username || url.password) return problem("invalid_client_metadata", `${key} must not contain a user name or password.`);
    if (!isSameOrSubdomain(url.hostname, baseHost)) {
      return problem("invalid_client_metadata", `${key} must be on ${baseHost} (the client_uri host) or one of its subdomains.`);
    }
  }

  if (!metadata.redirect_uris) return problem("invalid_redirect_uri", "redirect_uris is required.");
  const native = metadata.application_type === "native";
  for (const value of metadata.redirect_uris) {
    const url = parseUrl(value);
    if (!url) return problem("invalid_redirect_uri", `${value} is not a URI.`);
    if (value.includes("#")) return problem("invalid_redirect_uri", `${value}: redirect URIs must not contain a fragment.`);
    if (url.username || url.password) return problem("invalid_redirect_uri", `${value}: redirect URIs must not contain a user name or password.`);
    if (native) {
      if (url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname)) continue;
      if (url.protocol === "http:" || url.protocol === "https:") {
        return problem("invalid_redirect_uri", `${value}: a native client redirects to http://localhost, http://127.0.0.1, http://[::1] or a private-use scheme.`);
      }
      const scheme = url.protocol.slice(0, -1);
      if (!scheme.includes(".") || !isSameOrSubdomain(reverseDns(scheme), baseHost)) {
        return problem("invalid_redirect_uri", `${value}: a private-use scheme must be the reverse DNS name of ${baseHost} or a subdomain (e.g. ${reverseDns(baseHost)}).`);
      }
      continue;
    }
    const secure = url.protocol === "https:" || (insecureLoopback && url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname));
    if (!secure) return problem("invalid_redirect_uri", `${value}: a web client's redirect URIs must use https.`);
    if (!isSameOrSubdomain(url.hostname, baseHost)) {
      return problem("invalid_redirect_uri", `${value}: a web client's redirect URIs must be on ${baseHost} (the client_uri host) or one of its subdomains.`);
    }
  }

  const grantTypes = metadata.grant_types ?? ["authorization_code"];
  const unsupported = grantTypes.filter((grant) => grant !== "authorization_code" && grant !== "refresh_token" && grant !== DEVICE_GRANT_TYPE);
  if (unsupported.length > 0) return problem("invalid_client_metadata", `grant_types: ${unsupported.join(", ")} is not supported here.`);
  const responseTypes = metadata.response_types ?? ["code"];
  if (responseTypes.some((type) => type !== "code")) return problem("invalid_client_metadata", "response_types: only code is supported.");
  // Public clients only: a client secret would have to be stored as it is (oidc-provider compares
  // it), and every Matrix client is public anyway (PKCE protects its code).
  const authMethod = metadata.token_endpoint_auth_method;
  if (authMethod !== undefined && authMethod !== "none") {
    return problem("invalid_client_metadata", `token_endpoint_auth_method: only none (a public client, with PKCE) is supported here, not ${authMethod}.`);
  }
  return null;
}

/** The registration as oidc-provider gets it: a request without an auth method is a public client. */
export function withPublicClientDefaults(body: Record<string, unknown>): Record<string, unknown> {
  return { ...body, token_endpoint_auth_method: "none" };
}

/**
 * The client ID of a public client (token_endpoint_auth_method `none`): derived from its metadata,
 * so that registering the same client again returns the same client instead of piling up rows.
 */
export function publicClientIdFor(body: Record<string, unknown>): string | null {
  if (body.token_endpoint_auth_method !== "none") return null;
  const canonical = JSON.stringify(Object.keys(body).sort().map((key) => [key, body[key]]));
  return `p${createHash("sha256").update(canonical).digest("base64url").slice(0, 26)}`;
}
