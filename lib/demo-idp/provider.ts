// A real OpenID Provider (the `oidc-provider` package) for the quickstart demo (`npm run demo`,
// `npm run dev`, `npm run demo:idp`) and the tests.
//
// It listens on 127.0.0.1 only, keeps everything in memory, signs with an RSA key generated at start
// and has a tiny login page of its own at /interaction/<uid>: a form with "username" and "password"
// fields that checks the demo account's password. Consent is granted automatically, so a browser
// goes authorization endpoint → login form → client's redirect_uri with a code.
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { importJWK, SignJWT, type JWK, type JWTPayload } from "jose";
import { claimsConfiguration, KEY_FOR_ALG, privateJwk, publicPart } from "./claims-and-keys";
import { escapeHtml, findAccountByUsername, loginPage, page, readForm, samePassword, sendHtml } from "./pages";
import { importOidcProvider } from "../runtime/import-oidc-provider";
import { createMemoryAdapter } from "./storage";
import type { InteractionDetails, OidcProviderInstance, ProviderConstructor, RunningOidcProvider, StartOidcProviderOptions } from "./types";

export type { DemoAccount, OidcClientRegistration, RunningOidcProvider, StartOidcProviderOptions } from "./types";

async function loadProviderClass(): Promise<ProviderConstructor> {
  const mod = await importOidcProvider<{ Provider?: ProviderConstructor; default?: ProviderConstructor }>();
  return (mod.Provider ?? mod.default)!;
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

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
      if (client.backchannel_logout_uri) metadata.backchannel_logout_uri = client.backchannel_logout_uri;
      if (client.backchannel_logout_session_required !== undefined) metadata.backchannel_logout_session_required = client.backchannel_logout_session_required;
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
      // Signing out here (the end-session page) posts a logout token to every client that registered
      // a backchannel_logout_uri, as a production OP does (issue 17: the homeserver's back-channel logout).
      backchannelLogout: { enabled: true },
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
    // oidc-provider refuses to call loopback addresses (SSRF protection) from the requests it makes
    // itself, i.e. back-channel logout. This provider and its clients live on 127.0.0.1 (the demo,
    // the tests): loopback targets go out without that check; everything else keeps it.
    async fetch(url: URL | string, options: RequestInit & { dispatcher?: unknown }) {
      if (LOOPBACK_HOSTS.has(new URL(url).hostname)) delete options.dispatcher;
      return fetch(url, options);
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
