// "Link another sign-in method": the IdP round trip of a link is an ordinary SSO redirect whose
// return URL is the account page's /account/link?attempt=<secret>. When the IdP's answer arrives,
// lib/sso/finish-upstream-login.ts hands the verified identity here instead of logging anyone in:
// it is recorded on the attempt, and the account page links it once the browser session that
// started the attempt comes back for it. Imports nothing from lib/sso (which imports this).
//
// The browser that did the IdP round trip must be the one that collects: anyone can send someone
// else the SSO redirect URL of their own attempt, and that person, signed in at the IdP, would
// otherwise record their identity on it for the sender to collect. So recording the identity also
// gives the recording browser a sealed cookie naming the attempt, and collection asks for both that
// cookie and the attempt's web session. (Not a cookie checked when recording: SAML's answer is a
// cross-site POST, which carries no SameSite=Lax cookie; the return to /account/link is a top-level
// GET, which does.)
import { hashSecret } from "../auth/secrets";
import { getConfig } from "../config/load-config";
import { randomBase64Url } from "../crypto/random-pool";
import { seal, unseal } from "../crypto/sealed";
import { db } from "../db/client";
import { browserFlowCookieOptions, clearCookie, serializeCookie } from "../http/cookies";

export const LINK_RETURN_PATH = "/account/link";
// Covers a slow IdP login page; an abandoned attempt is useless after it.
const LINK_ATTEMPT_LIFETIME_MS = 30 * 60_000;
/** The recording browser's proof; it only has to last the redirect back to /account/link. */
export const LINK_PROOF_COOKIE = "account_link";
const LINK_PROOF_PURPOSE = "account-link-proof";
const LINK_PROOF_LIFETIME_S = 10 * 60;

function linkProofCookieOptions() {
  return browserFlowCookieOptions(LINK_RETURN_PATH, getConfig().public_baseurl, LINK_PROOF_LIFETIME_S);
}

/** The Set-Cookie value that ends the recording browser's proof (after any collection). */
export function clearLinkProofCookie(): string {
  return clearCookie(LINK_PROOF_COOKIE, browserFlowCookieOptions(LINK_RETURN_PATH, getConfig().public_baseurl));
}

function linkReturnPrefix(): string {
  return `${getConfig().public_baseurl}${LINK_RETURN_PATH.slice(1)}?`;
}

/** Starts a link at `idpId` for a browser session; returns the return URL to give the SSO redirect. */
export async function createLinkAttempt(webSessionId: string, idpId: string): Promise<string> {
  const secret = randomBase64Url(32);
  await db().accountLinkAttempt.create({
    data: { idHash: hashSecret(secret), webSessionId, idpId, expiresAt: new Date(Date.now() + LINK_ATTEMPT_LIFETIME_MS) },
  });
  return `${linkReturnPrefix()}${new URLSearchParams({ attempt: secret })}`;
}

/** Whether an SSO login's client redirect URL is a link attempt's return rather than a client. */
export function isLinkReturnUrl(clientRedirectUrl: string): boolean {
  return clientRedirectUrl.startsWith(linkReturnPrefix());
}

/**
 * The IdP answered a link attempt: remember who came back. Only an open attempt at the same IdP
 * takes an identity, once; returns null when there is none (expired, used, or another IdP's), else
 * the Set-Cookie value of the recording browser's proof, which collection asks for.
 */
export async function recordLinkIdentity(clientRedirectUrl: string, idpId: string, remoteUserId: string): Promise<string | null> {
  const secret = new URL(clientRedirectUrl).searchParams.get("attempt");
  if (!secret) return null;
  const idHash = hashSecret(secret);
  const { count } = await db().accountLinkAttempt.updateMany({
    where: { idHash, idpId, remoteUserId: null, expiresAt: { gt: new Date() } },
    data: { remoteUserId },
  });
  if (count !== 1) return null;
  const proof = await seal({ attempt: idHash }, getConfig().signingSecret, LINK_PROOF_PURPOSE, LINK_PROOF_LIFETIME_S);
  return serializeCookie(LINK_PROOF_COOKIE, proof, linkProofCookieOptions());
}

export interface CollectedLink {
  idpId: string;
  remoteUserId: string;
}

/**
 * The browser came back with its attempt: the identity, if the IdP answered, the attempt is this
 * browser session's and this browser recorded it (`proof`, the LINK_PROOF_COOKIE). The attempt is
 * deleted whatever the outcome, so it yields its identity once and a failed collection (another
 * browser, or the right one without the proof) leaves nothing for anyone to collect later.
 */
export async function collectLinkIdentity(secret: string, webSessionId: string, proof: string | undefined): Promise<CollectedLink | null> {
  const idHash = hashSecret(secret);
  const attempt = await db().accountLinkAttempt.findUnique({ where: { idHash } });
  if (!attempt) return null;
  const { count } = await db().accountLinkAttempt.deleteMany({ where: { idHash } });
  if (count !== 1 || attempt.webSessionId !== webSessionId || attempt.remoteUserId === null || attempt.expiresAt.getTime() <= Date.now()) return null;
  const sealed = proof ? await unseal(proof, getConfig().signingSecret, LINK_PROOF_PURPOSE) : null;
  if (sealed?.attempt !== idHash) return null;
  return { idpId: attempt.idpId, remoteUserId: attempt.remoteUserId };
}
