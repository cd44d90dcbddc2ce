// "Link another sign-in method": the IdP round trip of a link is an ordinary SSO redirect whose
// return URL is the account page's /account/link?attempt=<secret>. When the IdP's answer arrives,
// lib/sso/finish-upstream-login.ts hands the verified identity here instead of logging anyone in:
// it is recorded on the attempt, and the account page links it once the browser session that
// started the attempt comes back for it. Imports nothing from lib/sso (which imports this).
import { randomBytes } from "node:crypto";
import { hashSecret } from "../auth/secrets";
import { getConfig } from "../config/load-config";
import { db } from "../db/client";

export const LINK_RETURN_PATH = "/account/link";
// Covers a slow IdP login page; an abandoned attempt is useless after it.
const LINK_ATTEMPT_LIFETIME_MS = 30 * 60_000;

function linkReturnPrefix(): string {
  return `${getConfig().public_baseurl}${LINK_RETURN_PATH.slice(1)}?`;
}

/** Starts a link at `idpId` for a browser session; returns the return URL to give the SSO redirect. */
export async function createLinkAttempt(webSessionId: string, idpId: string): Promise<string> {
  const secret = randomBytes(32).toString("base64url");
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
 * takes an identity, once; returns false when there is none (expired, used, or another IdP's).
 */
export async function recordLinkIdentity(clientRedirectUrl: string, idpId: string, remoteUserId: string): Promise<boolean> {
  const secret = new URL(clientRedirectUrl).searchParams.get("attempt");
  if (!secret) return false;
  const { count } = await db().accountLinkAttempt.updateMany({
    where: { idHash: hashSecret(secret), idpId, remoteUserId: null, expiresAt: { gt: new Date() } },
    data: { remoteUserId },
  });
  return count === 1;
}

export interface CollectedLink {
  idpId: string;
  remoteUserId: string;
}

/**
 * The browser came back with its attempt: the identity, if the IdP answered and the attempt is this
 * browser session's. The attempt is deleted first, so it yields its identity once.
 */
export async function collectLinkIdentity(secret: string, webSessionId: string): Promise<CollectedLink | null> {
  const idHash = hashSecret(secret);
  const attempt = await db().accountLinkAttempt.findUnique({ where: { idHash } });
  if (!attempt || attempt.webSessionId !== webSessionId) return null;
  const { count } = await db().accountLinkAttempt.deleteMany({ where: { idHash, webSessionId } });
  if (count !== 1 || attempt.remoteUserId === null || attempt.expiresAt.getTime() <= Date.now()) return null;
  return { idpId: attempt.idpId, remoteUserId: attempt.remoteUserId };
}
