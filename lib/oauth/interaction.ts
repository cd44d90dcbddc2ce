// The interaction of an authorization request (GET and POST /oauth2/interaction/<uid>): who the
// person is, by the homeserver's own sign-in page (lib/web-session: password, every IdP, the
// username picker on a first login), then consent, then back to oidc-provider to issue the code.
//
//   authorization endpoint → here → /sign-in?next=here (unless signed in recently enough)
//     → here: remembered consent? finish : consent page → Allow (POST here) → finish → code
import type { IncomingMessage, ServerResponse } from "node:http";
import { getConfig } from "../config/load-config";
import { seal, unseal } from "../crypto/sealed";
import { db } from "../db/client";
import { crossSiteRequestProblem, forbiddenCrossSiteResponse } from "../http/browser-security";
import { sendWebResponse } from "../routing/node-bridge";
import { readWebSession, signInPath, type WebSession } from "../web-session";
import { findClientMetadata } from "./adapter";
import { deviceMayBeClaimed } from "./device-claim";
import { INTERACTION_PREFIX, matrixResourceOf } from "./endpoints";
import { headersOnlyRequest, readNodeBody } from "./node-request";
import { consentPage, oauthErrorPage } from "./pages";
import { ADMIN_SCOPE, isMatrixScopeToken, parseMatrixScope, ScopeError } from "./scopes";
import type { InteractionDetails, OAuthProvider } from "./provider";

const redirect = (res: ServerResponse, location: string) => {
  res.writeHead(303, { Location: location, "Cache-Control": "no-store" });
  res.end();
};

/**
 * `after` (below) travels in the return path sealed, bound to the interaction: a plain number there
 * let anyone skip the fresh sign-in by writing ?after=0 themselves.
 */
const AFTER_PURPOSE = "oauth-interaction-after";
// Outlives any interaction (oidc-provider's last an hour); the uid inside ties it to one anyway.
const AFTER_LIFETIME_S = 2 * 60 * 60;

async function sealedAfter(uid: string, since: number): Promise<string> {
  return seal({ uid, since }, getConfig().signingSecret, AFTER_PURPOSE, AFTER_LIFETIME_S);
}

async function openAfter(value: string | null, uid: string): Promise<number | null> {
  const payload = value ? await unseal(value, getConfig().signingSecret, AFTER_PURPOSE) : null;
  return payload && payload.uid === uid && typeof payload.since === "number" ? payload.since : null;
}

/** The interaction's own path with a sealed `after`: where the sign-in page comes back to. */
async function interactionPathAfter(uid: string, since: number): Promise<string> {
  return `${INTERACTION_PREFIX}${uid}?${new URLSearchParams({ after: await sealedAfter(uid, since) })}`;
}

/**
 * Whether the person must sign in (again) before this authorization can go on. `after`: the sign-in
 * time (ms) the browser had when it was sent to sign in, carried (sealed) in the return path; a
 * sign-in newer than that is the fresh one that prompt=login / prompt=create / max_age asked for.
 */
function needsSignIn(session: WebSession | null, details: InteractionDetails, after: number | null): boolean {
  if (!session) return true;
  const prompts = new Set((details.params.prompt ?? "").split(" "));
  const signedInAt = session.authenticatedAt.getTime();
  const freshSinceRedirect = after !== null && signedInAt > after;
  if ((prompts.has("login") || prompts.has("create")) && !freshSinceRedirect) return true;
  const maxAge = details.params.max_age === undefined ? NaN : Number(details.params.max_age);
  if (Number.isFinite(maxAge) && Date.now() - signedInAt > maxAge * 1000 && !freshSinceRedirect) return true;
  return false;
}

const DEVICE_SCOPE = /^urn:matrix:(?:client|org\.matrix\.msc2967\.client):device:/;
const scopeTokens = (scope: string | null | undefined) => (scope ?? "").split(" ").filter((part) => part !== "");

/**
 * What of a request a remembered consent keeps: its scopes without the device's (each login names a
 * new device) and without the admin scope, which the person is asked about every time.
 */
function rememberableScopes(scope: string | undefined): string[] {
  return scopeTokens(scope).filter((part) => part !== ADMIN_SCOPE && !DEVICE_SCOPE.test(part));
}

/** Whether a remembered consent covers this request: nothing asked beyond it, and no admin scope. */
function coveredByConsent(requested: string | undefined, remembered: string): boolean {
  if (scopeTokens(requested).includes(ADMIN_SCOPE)) return false;
  const allowed = new Set(scopeTokens(remembered));
  return rememberableScopes(requested).every((part) => allowed.has(part));
}

/** The Matrix login_hint form `mxid:@alice:example.org`, as the sign-in page's username. */
function loginHintOf(hint: string | undefined): string | undefined {
  if (!hint) return undefined;
  const mxid = hint.startsWith("mxid:") ? hint.slice(5) : hint;
  return mxid.startsWith("@") ? mxid.slice(1).split(":")[0] : mxid;
}

export async function handleInteraction(provider: OAuthProvider, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const config = getConfig();
  const uid = (req.url ?? "").slice(INTERACTION_PREFIX.length).split(/[/?]/)[0];
  const afterParam = new URL(req.url ?? "/", config.public_baseurl).searchParams.get("after");
  const after = await openAfter(afterParam, uid);
  // Where this step is, with what it was given: the sign-in page and the consent form come back here.
  const here = `${INTERACTION_PREFIX}${uid}${after === null ? "" : `?${new URLSearchParams({ after: afterParam! })}`}`;
  const request = headersOnlyRequest(req, config.public_baseurl);
  if (req.method === "POST") {
    // The consent form only ever posts from our own page.
    if (crossSiteRequestProblem(request.headers, config.public_baseurl) !== null) return sendWebResponse(res, forbiddenCrossSiteResponse());
  } else if (req.method !== "GET") {
    res.writeHead(405, { Allow: "GET, POST" }).end();
    return;
  }

  let details: InteractionDetails;
  try {
    details = await provider.interactionDetails(req, res);
  } catch {
    return sendWebResponse(res, await oauthErrorPage("invalid_request", "This sign-in request has expired or was started in another browser. Go back to the app and start again.", undefined, { forPerson: true }));
  }
  if (details.uid !== uid) {
    return sendWebResponse(res, await oauthErrorPage("invalid_request", "This sign-in request was started in another tab. Go back to the app and start again.", undefined, { forPerson: true }));
  }
  const finish = (result: Record<string, unknown>) => provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });

  const session = await readWebSession(request);
  if (needsSignIn(session, details, after)) {
    const prompts = new Set((details.params.prompt ?? "").split(" "));
    const since = session?.authenticatedAt.getTime() ?? 0;
    return redirect(res, signInPath(await interactionPathAfter(uid, since), {
      create: prompts.has("create"),
      reauth: session !== null,
      loginHint: loginHintOf(details.params.login_hint),
    }));
  }
  const userId = session!.userId;
  const clientId = details.params.client_id ?? "";

  let scope;
  try {
    scope = parseMatrixScope(details.params.scope);
  } catch (error) {
    if (error instanceof ScopeError) return finish({ error: "invalid_scope", error_description: error.message });
    throw error;
  }
  const user = await db().user.findUnique({ where: { userId }, select: { admin: true, displayName: true } });
  if (scope.admin && !user?.admin) {
    return finish({ error: "invalid_scope", error_description: "urn:synapse:admin:* is only granted to server administrators." });
  }
  if (!(await deviceMayBeClaimed(userId, scope.deviceId, clientId))) {
    return finish({ error: "invalid_request", error_description: "The device ID is already used by another session of this account: use a new one." });
  }

  const grantAndFinish = async () => {
    const grant = new provider.Grant({ accountId: userId, clientId });
    if (scope.openid) grant.addOIDCScope("openid");
    const matrixScope = (details.params.scope ?? "").split(" ").filter(isMatrixScopeToken).join(" ");
    grant.addResourceScope(matrixResourceOf(config.public_baseurl), matrixScope);
    const grantId = await grant.save();
    await finish({ login: { accountId: userId, remember: false, amr: [session!.method] }, consent: { grantId } });
  };

  if (req.method === "POST") {
    const form = new URLSearchParams((await readNodeBody(req, 4096)) ?? "");
    if (form.get("decision") !== "allow") {
      return finish({ error: "access_denied", error_description: "The person did not allow this app to use their account." });
    }
    const previous = await db().oAuthConsent.findUnique({ where: { userId_clientId: { userId, clientId } }, select: { scope: true } });
    const allowed = [...new Set([...scopeTokens(previous?.scope), ...rememberableScopes(details.params.scope)])].join(" ");
    await db().oAuthConsent.upsert({ where: { userId_clientId: { userId, clientId } }, create: { userId, clientId, scope: allowed }, update: { scope: allowed } });
    return grantAndFinish();
  }

  const prompts = new Set((details.params.prompt ?? "").split(" "));
  const remembered = await db().oAuthConsent.findUnique({ where: { userId_clientId: { userId, clientId } }, select: { scope: true } });
  if (remembered && !prompts.has("consent") && coveredByConsent(details.params.scope, remembered.scope)) return grantAndFinish();

  const client = (await findClientMetadata(clientId)) ?? {};
  const text = (key: string) => (typeof client[key] === "string" ? (client[key] as string) : undefined);
  const clientHost = text("client_uri") ? new URL(text("client_uri")!).host : clientId;
  return sendWebResponse(res, await consentPage({
    clientName: text("client_name") ?? clientHost,
    clientHost,
    logoUri: text("logo_uri"),
    policyUri: text("policy_uri"),
    tosUri: text("tos_uri"),
    userId,
    displayName: user?.displayName,
    deviceId: scope.deviceId,
    admin: scope.admin,
    action: here,
    switchAccountHref: signInPath(await interactionPathAfter(uid, session!.authenticatedAt.getTime()), { reauth: true }),
  }, details.params.redirect_uri));
}
