// GET/POST /account and GET /account/link: a person's own account page. Every handler reads the
// browser session itself (no layout or proxy decides for it); every form carries a token bound to
// that session, on top of the cross-site check proxy.ts and this file both make; sign-outs of other
// sessions, unlinking, linking and deactivation need a recent sign-in (web_sessions.reauthentication_window),
// else the person is sent to confirm it's them and comes back to the same view.
import { createHmac, timingSafeEqual } from "node:crypto";
import { createElement } from "react";
import { z } from "zod";
import { getConfig } from "../config/load-config";
import type { HomeserverConfig } from "../config/schema";
import { keyForPurpose } from "../config/secrets";
import { crossSiteRequestProblem, forbiddenCrossSiteResponse } from "../http/browser-security";
import { readCookie } from "../http/cookies";
import { readFormBody } from "../http/body";
import { htmlResponse } from "../pages/html-response";
import { findIdentityProvider, iconUrlOf, identityProviders } from "../sso/registry";
import { SsoError } from "../sso/sso-error";
import { activeTheme } from "../theme/theme-store";
import { continuePage } from "../web-session/continue-page";
import { endWebSession, isRecentlyAuthenticated, readWebSession, signInPath, type WebSession } from "../web-session";
import {
  deactivateUser,
  forgetAllowedApp,
  linkIdentity,
  MAX_DISPLAY_NAME_LENGTH,
  setDisplayName,
  signOutDevice,
  signOutEverywhereElse,
  unlinkIdentityUnlessLast,
} from "./account-actions";
import { loadAccountOverview } from "./account-data";
import { accountViewOf } from "./account-views";
import { clearLinkProofCookie, collectLinkIdentity, createLinkAttempt, LINK_PROOF_COOKIE } from "./link-attempts";
import { AccountPageView, DeactivatedView } from "./views/account-view";

export const ACCOUNT_PATH = "/account";
const MAX_FORM_BYTES = 16 * 1024;

/** The closed set of outcomes the page reports after a change (?notice=). */
const NOTICES = {
  display_name_saved: { kind: "success", text: "Your display name was saved." },
  display_name_too_long: { kind: "error", text: `A display name can be at most ${MAX_DISPLAY_NAME_LENGTH} characters.` },
  signed_out: { kind: "success", text: "That session was signed out." },
  no_such_session: { kind: "error", text: "That session no longer exists." },
  signed_out_others: { kind: "success", text: "You were signed out everywhere else." },
  unlinked: { kind: "success", text: "The sign-in method was unlinked." },
  last_method: {
    kind: "error",
    text: "This is the only way left to sign in to your account, so it cannot be unlinked. Link another sign-in method first.",
  },
  no_such_link: { kind: "error", text: "That sign-in method is not linked to your account." },
  linked: { kind: "success", text: "The sign-in method was linked: you can now use it to sign in." },
  already_linked: { kind: "success", text: "That account at the identity provider was already linked to yours." },
  link_taken: {
    kind: "error",
    text: "That account at the identity provider already belongs to another user of this server, so it was not linked to yours. Sign in with it to use that account, or ask an administrator.",
  },
  link_failed: { kind: "error", text: "Nothing was linked: the sign-in did not finish, or took too long. Try again." },
  linking_off: { kind: "error", text: "Linking sign-in methods is turned off on this server. Ask an administrator." },
  unknown_idp: { kind: "error", text: "That sign-in method is not offered here." },
  app_forgotten: { kind: "success", text: "The app will ask for your permission again next time. Its sessions stay signed in until you sign them out." },
  not_confirmed: { kind: "error", text: "Tick the box to confirm that you want to deactivate your account." },
} as const satisfies Record<string, { kind: "success" | "error"; text: string }>;
type Notice = keyof typeof NOTICES;

/** The form token: bound to the browser session, so a page of another session (or site) cannot post. */
function csrfTokenOf(session: WebSession, config: HomeserverConfig): string {
  return createHmac("sha256", keyForPurpose(config.signingSecret, "account-form")).update(session.id).digest("base64url");
}

function csrfTokenMatches(given: string | null, session: WebSession, config: HomeserverConfig): boolean {
  if (!given) return false;
  const expected = Buffer.from(csrfTokenOf(session, config));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

function seeOther(location: string, cookies: string[] = []): Response {
  const headers = new Headers({ Location: location, "Cache-Control": "no-store" });
  for (const cookie of cookies) headers.append("Set-Cookie", cookie);
  return new Response(null, { status: 303, headers });
}

const withNotice = (path: string, notice: Notice) => `${path}${path.includes("?") ? "&" : "?"}notice=${notice}`;

/** GET /account[?action=…]: the view MSC4191's action asks for; not signed in → the sign-in page, back here after. */
export async function showAccountPage(request: Request): Promise<Response> {
  const config = getConfig();
  const url = new URL(request.url);
  const session = await readWebSession(request);
  if (!session) return seeOther(signInPath(`${url.pathname}${url.search}`));
  const overview = await loadAccountOverview(session.userId, config);
  if (!overview) return seeOther(signInPath(ACCOUNT_PATH), [await endWebSession(request)]);
  const { theme } = await activeTheme();
  const noticeKey = url.searchParams.get("notice");
  const notice = noticeKey && Object.hasOwn(NOTICES, noticeKey) ? NOTICES[noticeKey as Notice] : undefined;
  return htmlResponse(
    createElement(AccountPageView, {
      theme,
      serverName: config.server_name,
      overview,
      view: accountViewOf(url.searchParams),
      csrf: csrfTokenOf(session, config),
      notice,
      linkable: config.account_management.allow_identity_linking
        ? identityProviders(config).map((provider) => ({ id: provider.id, name: provider.name, iconUrl: iconUrlOf(provider.icon, config, 32) }))
        : null,
      maxDisplayNameLength: MAX_DISPLAY_NAME_LENGTH,
    }),
  );
}

const field = z.string().min(1).max(512);
const accountFormSchema = z.discriminatedUnion("op", [
  z.object({ op: z.literal("set_display_name"), display_name: z.string().max(4096).default("") }),
  z.object({ op: z.literal("sign_out_device"), device_id: field }),
  z.object({ op: z.literal("sign_out_others") }),
  z.object({ op: z.literal("unlink"), idp: field, external_id: field }),
  z.object({ op: z.literal("link"), idp: field }),
  z.object({ op: z.literal("deactivate"), confirm: z.string().optional() }),
  z.object({ op: z.literal("sign_out") }),
  z.object({ op: z.literal("forget_app"), client_id: field }),
]);
type AccountForm = z.output<typeof accountFormSchema>;

/** Where a sensitive action's re-authentication comes back to: the view the button was on. */
function viewToConfirm(form: AccountForm): string {
  switch (form.op) {
    case "sign_out_device":
      return `${ACCOUNT_PATH}?${new URLSearchParams({ action: "org.matrix.device_delete", device_id: form.device_id })}`;
    case "sign_out_others":
      return `${ACCOUNT_PATH}?action=org.matrix.devices_list`;
    case "deactivate":
      return `${ACCOUNT_PATH}?action=org.matrix.account_deactivate`;
    default:
      return ACCOUNT_PATH;
  }
}

const SENSITIVE = new Set<AccountForm["op"]>(["sign_out_device", "sign_out_others", "unlink", "link", "deactivate"]);

/** POST /account: one change, named by `op`. */
export async function submitAccountForm(request: Request): Promise<Response> {
  const config = getConfig();
  if (crossSiteRequestProblem(request.headers, config.public_baseurl)) return forbiddenCrossSiteResponse();
  const session = await readWebSession(request);
  if (!session) return seeOther(signInPath(ACCOUNT_PATH));
  const raw = await readFormBody(request, MAX_FORM_BYTES, () => new SsoError("bad_param", "The form is too large.", 413));
  if (!csrfTokenMatches(raw.get("csrf"), session, config)) return forbiddenCrossSiteResponse();
  const parsed = accountFormSchema.safeParse(Object.fromEntries(raw));
  if (!parsed.success) throw new SsoError("bad_param", "The form was not filled in as expected. Go back to your account page and try again.", 400, ACCOUNT_PATH);
  const form = parsed.data;
  if (SENSITIVE.has(form.op) && !isRecentlyAuthenticated(session, Date.now(), config)) {
    return seeOther(signInPath(viewToConfirm(form), { reauth: true }));
  }
  switch (form.op) {
    case "set_display_name":
      return seeOther(withNotice(ACCOUNT_PATH, (await setDisplayName(session.userId, form.display_name)) ? "display_name_saved" : "display_name_too_long"));
    case "sign_out_device":
      return seeOther(withNotice(`${ACCOUNT_PATH}?action=org.matrix.devices_list`, (await signOutDevice(session.userId, form.device_id)) ? "signed_out" : "no_such_session"));
    case "sign_out_others":
      await signOutEverywhereElse(session.userId, session.id);
      return seeOther(withNotice(`${ACCOUNT_PATH}?action=org.matrix.devices_list`, "signed_out_others"));
    case "unlink":
      return seeOther(withNotice(ACCOUNT_PATH, await unlinkIdentityUnlessLast(session.userId, form.idp, form.external_id, config)));
    case "link":
      return startLink(session, form.idp, config);
    case "deactivate":
      if (form.confirm !== "yes") return seeOther(withNotice(`${ACCOUNT_PATH}?action=org.matrix.account_deactivate`, "not_confirmed"));
      return deactivate(request, session);
    case "sign_out":
      return seeOther(signInPath(ACCOUNT_PATH), [await endWebSession(request)]);
    case "forget_app":
      // Not sensitive: the app only has to ask again; its running sessions are in the list above.
      await forgetAllowedApp(session.userId, form.client_id);
      return seeOther(withNotice(ACCOUNT_PATH, "app_forgotten"));
  }
}

async function startLink(session: WebSession, idpId: string, config: HomeserverConfig): Promise<Response> {
  if (!config.account_management.allow_identity_linking) return seeOther(withNotice(ACCOUNT_PATH, "linking_off"));
  const provider = findIdentityProvider(idpId, config);
  if (!provider) return seeOther(withNotice(ACCOUNT_PATH, "unknown_idp"));
  const returnUrl = await createLinkAttempt(session.id, provider.id);
  // Not a redirect: from this form POST, the browser would hold the redirect to the IdP to the
  // page's form-action 'self' and stop (see continuePage).
  return continuePage(`/_matrix/client/v3/login/sso/redirect/${encodeURIComponent(provider.id)}?${new URLSearchParams({ redirectUrl: returnUrl })}`, {
    title: `Link ${provider.name}`,
    text: `Taking you to ${provider.name}: sign in there with the account you want to link to ${session.userId}.`,
    label: `Continue to ${provider.name}`,
  });
}

async function deactivate(request: Request, session: WebSession): Promise<Response> {
  await deactivateUser(session.userId);
  const cookie = await endWebSession(request);
  const { theme } = await activeTheme();
  return htmlResponse(createElement(DeactivatedView, { theme, userId: session.userId }), { headers: [["Set-Cookie", cookie]] });
}

/** GET /account/link?attempt=…: back from the IdP of "Link another sign-in method". */
export async function finishAccountLink(request: Request): Promise<Response> {
  const config = getConfig();
  const session = await readWebSession(request);
  if (!session) return seeOther(signInPath(ACCOUNT_PATH));
  const secret = new URL(request.url).searchParams.get("attempt");
  const collected = secret ? await collectLinkIdentity(secret, session.id, readCookie(request, LINK_PROOF_COOKIE)) : null;
  const clearing = [clearLinkProofCookie()];
  if (!collected) return seeOther(withNotice(ACCOUNT_PATH, "link_failed"), clearing);
  // Checked again at the end: linking may have been turned off while the person was at the IdP.
  if (!config.account_management.allow_identity_linking) return seeOther(withNotice(ACCOUNT_PATH, "linking_off"), clearing);
  const outcome = await linkIdentity(session.userId, collected.idpId, collected.remoteUserId);
  return seeOther(withNotice(ACCOUNT_PATH, outcome === "taken" ? "link_taken" : outcome), clearing);
}
