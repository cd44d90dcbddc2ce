// A real OpenID Provider (the `oidc-provider` package) for tests and the quickstart demo.
//
// It listens on 127.0.0.1 only, keeps everything in memory, signs with an RSA key generated at start
// and has a tiny login page of its own at /interaction/<uid>: a form with "username" and "password"
// fields that checks the demo account's password. Consent is granted automatically, so a browser (or
// `loginWithFetch` below, for tests without one) goes authorization endpoint → login form → client's
// redirect_uri with a code.
import { randomBytes, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK, type JWTPayload } from "jose";

// ---------------------------------------------------------------------------------------------------
// Public types

export interface DemoAccount {
  sub: string;
  password: string;
  /** e.g. preferred_username, name, email, email_verified, picture; any other key is released with the "profile" scope. */
  claims: Record<string, unknown>;
}

export interface OidcClientRegistration {
  client_id: string;
  client_secret?: string;
  redirect_uris: string[];
  token_endpoint_auth_method?: "client_secret_basic" | "client_secret_post" | "none" | "private_key_jwt" | "client_secret_jwt";
  id_token_signed_response_alg?: string;
  /** Needed for private_key_jwt (one of jwks / jwks_uri). */
  jwks?: { keys: JWK[] };
  jwks_uri?: string;
  client_name?: string;
  post_logout_redirect_uris?: string[];
}

export interface StartOidcProviderOptions {
  /** 0 or absent: a free port. */
  port?: number;
  accounts: DemoAccount[];
  clients: OidcClientRegistration[];
  /**
   * true: every authorization request must carry an S256 code_challenge; false: never required (still
   * honoured when sent); absent: required for public clients (token_endpoint_auth_method "none") only.
   */
  pkceRequired?: boolean;
}

/** The subset of an oidc-provider `Provider` instance this module relies on (the package has no types). */
export interface OidcProviderInstance {
  callback(): (req: http.IncomingMessage, res: http.ServerResponse) => void;
  interactionDetails(req: http.IncomingMessage, res: http.ServerResponse): Promise<InteractionDetails>;
  interactionFinished(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    result: Record<string, unknown>,
    options?: { mergeWithLastSubmission?: boolean },
  ): Promise<void>;
  Grant: GrantClass;
  Client: { find(clientId: string): Promise<{ clientId: string; clientName?: string } | undefined> };
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

export interface RunningOidcProvider {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  issuer: string;
  port: number;
  /** Endpoint URLs, as also published in discovery. */
  endpoints: {
    discovery: string;
    authorization: string;
    token: string;
    userinfo: string;
    jwks: string;
    endSession: string;
  };
  /** Public signing keys (what the jwks endpoint serves). */
  jwks: { keys: JWK[] };
  /** kid of the RSA key that signs ID tokens (RS256). */
  signingKid: string;
  /**
   * Signs arbitrary claims with the provider's RSA key (RS256, the kid above). iss defaults to the
   * issuer, iat to now and exp to an hour from now; pass them in `payload` to override (exp: null to omit).
   * Handy to forge ID tokens/logout tokens that verify against the provider's JWKS.
   */
  signJwt(payload: JWTPayload & { exp?: number | null }, header?: { typ?: string }): Promise<string>;
  accounts: DemoAccount[];
  clients: OidcClientRegistration[];
  /** The oidc-provider instance itself (events, Grant, Client, ...). */
  provider: OidcProviderInstance;
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------
// oidc-provider internals used here

interface InteractionDetails {
  uid: string;
  prompt: { name: string; reasons?: string[]; details: Record<string, unknown> };
  params: Record<string, unknown> & { client_id: string; scope?: string; login_hint?: string };
  session?: { accountId: string };
  grantId?: string;
  lastSubmission?: Record<string, unknown>;
}

interface GrantInstance {
  accountId: string;
  clientId: string;
  addOIDCScope(scope: string): void;
  addOIDCClaims(claims: string[]): void;
  addResourceScope(resource: string, scope: string): void;
  save(): Promise<string>;
}

interface GrantClass {
  new (properties: { accountId: string; clientId: string }): GrantInstance;
  find(id: string): Promise<GrantInstance | undefined>;
}

type ProviderConstructor = new (issuer: string, configuration: Record<string, unknown>) => OidcProviderInstance;

let providerModule: Promise<ProviderConstructor> | undefined;

/** Imports oidc-provider (ESM-only) lazily, without its "Unsupported runtime" notice on Node 20. */
function loadProviderClass(): Promise<ProviderConstructor> {
  providerModule ??= (async () => {
    const originalWarn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (typeof args[0] === "string" && args[0].includes("Unsupported runtime")) return;
      originalWarn.apply(console, args);
    };
    try {
      // @ts-ignore -- oidc-provider ships no type definitions; the shapes used are declared above.
      const mod = (await import("oidc-provider")) as { Provider?: unknown; default?: unknown };
      return (mod.Provider ?? mod.default) as ProviderConstructor;
    } finally {
      console.warn = originalWarn;
    }
  })();
  return providerModule;
}

// ---------------------------------------------------------------------------------------------------
// Storage: an in-memory adapter per provider (oidc-provider's own one warns on every start).

const GRANT_BOUND_MODELS = new Set([
  "AccessToken",
  "AuthorizationCode",
  "RefreshToken",
  "DeviceCode",
  "BackchannelAuthenticationRequest",
]);
const STORAGE_SLACK_SECONDS = 15;

type StoredPayload = Record<string, unknown> & { uid?: string; userCode?: string; grantId?: string };

function createMemoryAdapter() {
  const entries = new Map<string, { payload: StoredPayload; expiresAt: number | undefined }>();
  const byUid = new Map<string, string>();
  const byUserCode = new Map<string, string>();
  const byGrant = new Map<string, Set<string>>();

  function read(key: string): StoredPayload | undefined {
    const entry = entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      entries.delete(key);
      return undefined;
    }
    return entry.payload;
  }

  return class InMemoryAdapter {
    constructor(private readonly model: string) {}

    private key(id: string): string {
      return `${this.model}:${id}`;
    }

    async upsert(id: string, payload: StoredPayload, expiresIn?: number): Promise<void> {
      const key = this.key(id);
      const expiresAt =
        typeof expiresIn === "number" ? Date.now() + (expiresIn + STORAGE_SLACK_SECONDS) * 1000 : undefined;
      entries.set(key, { payload: structuredClone(payload), expiresAt });
      if (this.model === "Session" && typeof payload.uid === "string") byUid.set(payload.uid, id);
      if (typeof payload.userCode === "string") byUserCode.set(payload.userCode, id);
      if (GRANT_BOUND_MODELS.has(this.model) && typeof payload.grantId === "string") {
        let members = byGrant.get(payload.grantId);
        if (!members) byGrant.set(payload.grantId, (members = new Set()));
        members.add(key);
      }
    }

    async find(id: string): Promise<StoredPayload | undefined> {
      return read(this.key(id));
    }

    async findByUid(uid: string): Promise<StoredPayload | undefined> {
      const id = byUid.get(uid);
      return id === undefined ? undefined : read(this.key(id));
    }

    async findByUserCode(userCode: string): Promise<StoredPayload | undefined> {
      const id = byUserCode.get(userCode);
      return id === undefined ? undefined : read(this.key(id));
    }

    async consume(id: string): Promise<void> {
      const payload = read(this.key(id));
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    }

    async destroy(id: string): Promise<void> {
      const key = this.key(id);
      const payload = entries.get(key)?.payload;
      entries.delete(key);
      if (payload?.uid !== undefined && byUid.get(payload.uid) === id) byUid.delete(payload.uid);
      if (payload?.userCode !== undefined && byUserCode.get(payload.userCode) === id) byUserCode.delete(payload.userCode);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      for (const key of byGrant.get(grantId) ?? []) entries.delete(key);
      byGrant.delete(grantId);
    }
  };
}

// ---------------------------------------------------------------------------------------------------
// Claims

const STANDARD_SCOPE_CLAIMS: Record<string, string[]> = {
  openid: ["sub"],
  profile: [
    "name",
    "family_name",
    "given_name",
    "middle_name",
    "nickname",
    "preferred_username",
    "profile",
    "picture",
    "website",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "updated_at",
  ],
  email: ["email", "email_verified"],
  address: ["address"],
  phone: ["phone_number", "phone_number_verified"],
};

/** Standard scope → claims, with any non-standard claim the accounts carry added to "profile". */
function claimsConfiguration(accounts: DemoAccount[]): Record<string, string[] | null> {
  const known = new Set(Object.values(STANDARD_SCOPE_CLAIMS).flat());
  const extra = new Set<string>();
  for (const account of accounts) {
    for (const claim of Object.keys(account.claims)) {
      if (!known.has(claim) && claim !== "sub") extra.add(claim);
    }
  }
  return {
    ...STANDARD_SCOPE_CLAIMS,
    profile: [...STANDARD_SCOPE_CLAIMS.profile, ...extra],
    acr: null,
    sid: null,
    auth_time: null,
    iss: null,
  };
}

// ---------------------------------------------------------------------------------------------------
// Keys

const KEY_FOR_ALG: Record<string, { alg: string; crv?: string }> = {
  ES256: { alg: "ES256" },
  ES384: { alg: "ES384" },
  ES512: { alg: "ES512" },
  EdDSA: { alg: "EdDSA", crv: "Ed25519" },
  Ed25519: { alg: "EdDSA", crv: "Ed25519" },
};

async function privateJwk(alg: string, crv?: string): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true, crv, ...(alg.startsWith("RS") ? { modulusLength: 2048 } : {}) });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: `${alg.toLowerCase()}-${randomBytes(6).toString("hex")}`, use: "sig" };
}

function publicPart(jwk: JWK): JWK {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, oth: _oth, ...rest } = jwk;
  return rest;
}

// ---------------------------------------------------------------------------------------------------
// Pages

function escapeHtml(value: unknown): string {
  return String(value ?? "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

const PAGE_STYLE =
  "body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0;padding:40px 12px}" +
  "main{max-width:340px;margin:0 auto;background:#fff;border-radius:8px;padding:24px 28px;box-shadow:0 1px 4px rgba(0,0,0,.15)}" +
  "h1{font-size:1.4em;margin:0 0 16px}label{display:block;margin:12px 0 4px;font-weight:600}" +
  "input{width:100%;box-sizing:border-box;padding:8px;font-size:1em;border:1px solid #bbb;border-radius:4px}" +
  "button{margin-top:18px;width:100%;padding:10px;font-size:1em;border:0;border-radius:4px;background:#0b5cad;color:#fff;cursor:pointer}" +
  ".error{color:#b00020}.hint{color:#666;font-size:.9em}a{color:#0b5cad}";

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>`;
}

function loginPage(options: { uid: string; clientName: string; username: string; error?: string }): string {
  const action = `/interaction/${encodeURIComponent(options.uid)}`;
  return page(
    "Sign in",
    `<h1>Sign in</h1>
<p class="hint">to continue to <strong>${escapeHtml(options.clientName)}</strong></p>
${options.error ? `<p class="error" role="alert">${escapeHtml(options.error)}</p>` : ""}
<form method="post" action="${escapeHtml(action)}" autocomplete="off">
<label for="username">Username</label>
<input id="username" name="username" type="text" value="${escapeHtml(options.username)}" autocapitalize="none" required autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" required>
<button type="submit">Sign in</button>
</form>
<p class="hint"><a href="${escapeHtml(`${action}/abort`)}">Cancel</a></p>`,
  );
}

function sendHtml(res: http.ServerResponse, status: number, html: string): void {
  res.statusCode = status;
  res.setHeader("Content-Type", "text/html; charset=utf-8");
  res.setHeader("Cache-Control", "no-store");
  res.setHeader("Content-Length", Buffer.byteLength(html));
  res.end(html);
}

async function readForm(req: http.IncomingMessage, limit = 64 * 1024): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw Object.assign(new Error("request body too large"), { statusCode: 413 });
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

function samePassword(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function findAccountByUsername(accounts: DemoAccount[], username: string): DemoAccount | undefined {
  const wanted = username.trim();
  const folded = wanted.toLowerCase();
  return (
    accounts.find((account) => account.sub === wanted) ??
    accounts.find(
      (account) =>
        (typeof account.claims.preferred_username === "string" && account.claims.preferred_username.toLowerCase() === folded) ||
        (typeof account.claims.email === "string" && account.claims.email.toLowerCase() === folded),
    )
  );
}

// ---------------------------------------------------------------------------------------------------
// The provider

const ROUTES = {
  authorization: "/auth",
  token: "/token",
  userinfo: "/me",
  jwks: "/jwks",
  end_session: "/session/end",
};

export async function startOidcProvider(options: StartOidcProviderOptions): Promise<RunningOidcProvider> {
  const Provider = await loadProviderClass();
  const accounts = options.accounts;
  const clients = options.clients;

  // Keys: RSA always (RS256/PS256), others only if a client asks for them.
  const rsaKey = await privateJwk("RS256");
  const privateKeys: JWK[] = [rsaKey];
  const extraAlgs = new Set(clients.map((client) => client.id_token_signed_response_alg).filter((alg): alg is string => !!alg));
  const generated = new Set<string>();
  for (const alg of extraAlgs) {
    const spec = KEY_FOR_ALG[alg];
    if (!spec || generated.has(`${spec.alg}/${spec.crv ?? ""}`)) continue;
    generated.add(`${spec.alg}/${spec.crv ?? ""}`);
    privateKeys.push(await privateJwk(spec.alg, spec.crv));
  }
  const rsaPrivateKey = await importJWK(rsaKey, "RS256");

  // The issuer needs the port, so listen first and hand requests to the provider once it exists.
  let handleRequest: http.RequestListener = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const server = http.createServer((req, res) => handleRequest(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const issuer = `http://127.0.0.1:${port}`;

  const pkceRequired = options.pkceRequired;
  const accountsBySub = new Map(accounts.map((account) => [account.sub, account]));

  const provider = new Provider(issuer, {
    adapter: createMemoryAdapter(),
    jwks: { keys: privateKeys },
    cookies: {
      keys: [randomBytes(32).toString("base64url"), randomBytes(32).toString("base64url")],
    },
    clients: clients.map((client) => {
      const metadata: Record<string, unknown> = {
        client_id: client.client_id,
        redirect_uris: client.redirect_uris,
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
        token_endpoint_auth_method:
          client.token_endpoint_auth_method ?? (client.client_secret === undefined ? "none" : "client_secret_basic"),
      };
      if (client.client_secret !== undefined) metadata.client_secret = client.client_secret;
      if (client.id_token_signed_response_alg) metadata.id_token_signed_response_alg = client.id_token_signed_response_alg;
      if (client.jwks) metadata.jwks = client.jwks;
      if (client.jwks_uri) metadata.jwks_uri = client.jwks_uri;
      if (client.client_name) metadata.client_name = client.client_name;
      if (client.post_logout_redirect_uris) metadata.post_logout_redirect_uris = client.post_logout_redirect_uris;
      return metadata;
    }),
    claims: claimsConfiguration(accounts),
    scopes: ["openid", "offline_access", "profile", "email", "address", "phone"],
    conformIdTokenClaims: false,
    async findAccount(_ctx: unknown, sub: string) {
      const account = accountsBySub.get(sub);
      if (!account) return undefined;
      return {
        accountId: account.sub,
        async claims() {
          return { ...account.claims, sub: account.sub };
        },
      };
    },
    pkce: {
      required(_ctx: unknown, client: { clientAuthMethod: string }) {
        if (pkceRequired !== undefined) return pkceRequired;
        return client.clientAuthMethod === "none";
      },
    },
    routes: ROUTES,
    interactions: {
      url(_ctx: unknown, interaction: { uid: string }) {
        return `/interaction/${interaction.uid}`;
      },
    },
    features: {
      devInteractions: { enabled: false },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx: { body: string }, form: string) {
          ctx.body = page(
            "Sign out",
            `<h1>Sign out?</h1>${form}<button type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign me out</button>`,
          );
        },
        async postLogoutSuccessSource(ctx: { body: string }) {
          ctx.body = page("Signed out", "<h1>Signed out</h1><p>You have been signed out.</p>");
        },
      },
    },
    enabledJWA: {
      idTokenSigningAlgValues: ["RS256", "PS256", "ES256", "ES384", "ES512", "Ed25519", "EdDSA", "HS256"],
    },
    clientBasedCORS() {
      return true;
    },
    async renderError(ctx: { type: string; body: string }, out: Record<string, unknown>) {
      ctx.type = "html";
      ctx.body = page(
        "Error",
        `<h1>Something went wrong</h1>${Object.entries(out)
          .map(([key, value]) => `<p><strong>${escapeHtml(key)}</strong>: ${escapeHtml(value)}</p>`)
          .join("")}`,
      );
    },
    ttl: {
      AccessToken: 60 * 60,
      AuthorizationCode: 60,
      ClientCredentials: 10 * 60,
      DeviceCode: 10 * 60,
      BackchannelAuthenticationRequest: 10 * 60,
      PreAuthorizedCode: 10 * 60,
      Grant: 24 * 60 * 60,
      IdToken: 60 * 60,
      Interaction: 60 * 60,
      RefreshToken: 24 * 60 * 60,
      Session: 24 * 60 * 60,
    },
  });

  provider.on("server_error", (_ctx: unknown, error: unknown) => {
    console.error("test OIDC provider: server error", error);
  });

  // Grants whatever the pending request asks for, so there is never a consent screen.
  async function grantEverything(details: InteractionDetails, accountId: string): Promise<string> {
    let grant = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
    if (!grant || grant.accountId !== accountId || grant.clientId !== details.params.client_id) {
      grant = new provider.Grant({ accountId, clientId: details.params.client_id });
    }
    if (typeof details.params.scope === "string" && details.params.scope) grant.addOIDCScope(details.params.scope);
    const promptDetails = details.prompt.details;
    if (Array.isArray(promptDetails.missingOIDCScope)) grant.addOIDCScope(promptDetails.missingOIDCScope.join(" "));
    if (Array.isArray(promptDetails.missingOIDCClaims)) grant.addOIDCClaims(promptDetails.missingOIDCClaims as string[]);
    const resourceScopes = promptDetails.missingResourceScopes as Record<string, string[]> | undefined;
    for (const [indicator, scopes] of Object.entries(resourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(" "));
    }
    return grant.save();
  }

  async function clientName(clientId: string): Promise<string> {
    const client = await provider.Client.find(clientId);
    return client?.clientName ?? clientId;
  }

  async function interaction(req: http.IncomingMessage, res: http.ServerResponse, uid: string, action: string | undefined) {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) {
      sendHtml(res, 400, page("Error", "<h1>This sign-in request has expired</h1><p>Start again from the application.</p>"));
      return;
    }

    if (action === "abort") {
      await provider.interactionFinished(
        req,
        res,
        { error: "access_denied", error_description: "End-User aborted interaction" },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    if (action !== undefined) {
      sendHtml(res, 404, page("Not found", "<h1>Not found</h1>"));
      return;
    }

    if (details.prompt.name === "consent") {
      const accountId = details.session?.accountId;
      if (!accountId) throw new Error("consent prompt without a signed-in account");
      const grantId = await grantEverything(details, accountId);
      await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
      return;
    }
    if (details.prompt.name !== "login") {
      sendHtml(res, 501, page("Error", `<h1>Unsupported prompt ${escapeHtml(details.prompt.name)}</h1>`));
      return;
    }

    const name = await clientName(details.params.client_id);
    if (req.method === "GET" || req.method === "HEAD") {
      const hint = typeof details.params.login_hint === "string" ? details.params.login_hint : "";
      sendHtml(res, 200, loginPage({ uid, clientName: name, username: hint }));
      return;
    }
    if (req.method !== "POST") {
      res.statusCode = 405;
      res.setHeader("Allow", "GET, POST");
      res.end();
      return;
    }

    const form = await readForm(req);
    const username = form.get("username") ?? "";
    const password = form.get("password") ?? "";
    const account = findAccountByUsername(accounts, username);
    if (!account || !samePassword(password, account.password)) {
      sendHtml(res, 200, loginPage({ uid, clientName: name, username, error: "Invalid username or password" }));
      return;
    }
    const grantId = await grantEverything(details, account.sub);
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: account.sub, amr: ["pwd"] }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
  }

  const providerCallback = provider.callback();
  handleRequest = (req, res) => {
    const { pathname } = new URL(req.url ?? "/", issuer);
    const match = /^\/interaction\/([^/]+)(?:\/([^/]+))?\/?$/.exec(pathname);
    if (!match) {
      providerCallback(req, res);
      return;
    }
    interaction(req, res, decodeURIComponent(match[1]), match[2]).catch((error: unknown) => {
      const err = error as { statusCode?: number; status?: number; name?: string; message?: string; error_description?: string };
      const status = err.statusCode ?? err.status ?? 500;
      if (status >= 500) console.error("test OIDC provider: interaction failed", error);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const message = err.error_description ?? err.message ?? "unexpected error";
      sendHtml(res, status, page("Error", `<h1>Sign-in failed</h1><p>${escapeHtml(err.name)}: ${escapeHtml(message)}</p>`));
    });
  };

  const publicKeys = privateKeys.map(publicPart);

  return {
    issuer,
    port,
    endpoints: {
      discovery: `${issuer}/.well-known/openid-configuration`,
      authorization: `${issuer}${ROUTES.authorization}`,
      token: `${issuer}${ROUTES.token}`,
      userinfo: `${issuer}${ROUTES.userinfo}`,
      jwks: `${issuer}${ROUTES.jwks}`,
      endSession: `${issuer}${ROUTES.end_session}`,
    },
    jwks: { keys: publicKeys },
    signingKid: rsaKey.kid as string,
    async signJwt(payload, header = {}) {
      const now = Math.floor(Date.now() / 1000);
      const claims: Record<string, unknown> = { iss: issuer, iat: now, exp: now + 3600, ...payload };
      if (claims.exp === null) delete claims.exp;
      return new SignJWT(claims as JWTPayload)
        .setProtectedHeader({ alg: "RS256", kid: rsaKey.kid, ...(header.typ ? { typ: header.typ } : {}) })
        .sign(rsaPrivateKey);
    },
    accounts,
    clients,
    provider,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Logging in without a browser

/** Cookies by name, for one origin (paths are ignored: everything is sent everywhere on it). */
export type FetchCookieJar = Map<string, string>;

function storeCookies(jar: FetchCookieJar, response: Response): void {
  for (const header of response.headers.getSetCookie()) {
    const [pair, ...attributes] = header.split(";");
    const eq = pair.indexOf("=");
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    let expired = value === "";
    for (const attribute of attributes) {
      const [key, ...rest] = attribute.split("=");
      const attrName = key.trim().toLowerCase();
      const attrValue = rest.join("=").trim();
      if (attrName === "max-age" && Number(attrValue) <= 0) expired = true;
      if (attrName === "expires" && Date.parse(attrValue) <= Date.now()) expired = true;
    }
    if (expired) jar.delete(name);
    else jar.set(name, value);
  }
}

function cookieHeader(jar: FetchCookieJar): string | undefined {
  if (jar.size === 0) return undefined;
  return [...jar].map(([name, value]) => `${name}=${value}`).join("; ");
}

function decodeEntities(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, "i").exec(tag);
  if (!match) return undefined;
  return decodeEntities(match[1] ?? match[2] ?? match[3] ?? "");
}

/** The first form with a password field: its action and its other inputs' values. */
function parseLoginForm(html: string): { action: string | undefined; fields: Map<string, string> } | undefined {
  const formMatch = /<form\b[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!formMatch || !/type\s*=\s*["']?password/i.test(formMatch[1])) return undefined;
  const formTag = /<form\b[^>]*>/i.exec(formMatch[0])![0];
  const fields = new Map<string, string>();
  for (const input of formMatch[1].match(/<input\b[^>]*>/gi) ?? []) {
    const name = attribute(input, "name");
    if (name) fields.set(name, attribute(input, "value") ?? "");
  }
  return { action: attribute(formTag, "action"), fields };
}

function pageError(html: string): string | undefined {
  const match = /<p[^>]*class="error"[^>]*>([\s\S]*?)<\/p>/i.exec(html);
  return match ? decodeEntities(match[1].replace(/<[^>]*>/g, "").trim()) : undefined;
}

/**
 * Drives the provider like a browser would: GETs `authorizationUrl`, follows redirects by hand with a
 * cookie jar, fills the login form ("username"/"password") when it appears, and returns the first
 * redirect that leaves the provider's origin (normally the client's redirect_uri with code & state,
 * or with error=... if the request was refused). Throws if the password is rejected (message contains
 * "Invalid username or password") or the provider answers with anything else.
 *
 * Pass the same `cookies` jar to a later call to reuse the provider's session (no form the second time).
 */
export async function loginWithFetch(
  authorizationUrl: string,
  username: string,
  password: string,
  options: { cookies?: FetchCookieJar; maxSteps?: number } = {},
): Promise<string> {
  const origin = new URL(authorizationUrl).origin;
  const jar = options.cookies ?? new Map<string, string>();
  let url = authorizationUrl;
  let method: "GET" | "POST" = "GET";
  let body: string | undefined;
  let submitted = false;

  for (let step = 0; step < (options.maxSteps ?? 20); step++) {
    const headers: Record<string, string> = { accept: "text/html" };
    const cookie = cookieHeader(jar);
    if (cookie) headers.cookie = cookie;
    if (body !== undefined) headers["content-type"] = "application/x-www-form-urlencoded";
    const response = await fetch(url, { method, headers, body, redirect: "manual" });
    storeCookies(jar, response);

    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      const location = response.headers.get("location");
      if (!location) throw new Error(`redirect without Location from ${method} ${url}`);
      const next = new URL(location, url);
      if (next.origin !== origin) return next.href;
      url = next.href;
      method = "GET";
      body = undefined;
      continue;
    }

    const text = await response.text();
    const form = response.ok ? parseLoginForm(text) : undefined;
    if (!form) {
      throw new Error(`unexpected ${response.status} from ${method} ${url}: ${text.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim().slice(0, 500)}`);
    }
    if (submitted) {
      throw new Error(`login as ${username} failed: ${pageError(text) ?? "the login form was shown again"}`);
    }
    form.fields.set("username", username);
    form.fields.set("password", password);
    url = new URL(form.action || url, url).href;
    method = "POST";
    body = new URLSearchParams([...form.fields]).toString();
    submitted = true;
  }
  throw new Error(`too many steps following ${authorizationUrl}`);
}
