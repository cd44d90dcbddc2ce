// GET|POST /_matrix/client/{r0,v3}/auth/{stage}/fallback/web?session= (Synapse's AuthRestServlet):
// the pages a client opens in a browser to complete a stage it has no UI of its own for.
import { getConfig } from "../../config/load-config";
import { isMatrixError, MatrixError } from "../../matrix/errors";
import { errorResponse } from "../../matrix/route";
import { renderSsoPage } from "../../pages/sso-pages";
import { startProviderLogin } from "../../sso/redirect";
import { iconUrlOf } from "../../sso/registry";
import { readBrowserForm } from "../../sso/browser-form";
import { SsoError, ssoErrorResponse } from "../../sso/sso-error";
import { validatePasswordSubmission } from "../validate-password";
import { linkedIdentityProviders, PASSWORD_STAGE, SSO_STAGE } from "./flows";
import { findUiAuthSession, recordCompletedStage, type UiAuthSession } from "./sessions";

/** The shape of the session IDs lib/auth/ui-auth/sessions.ts issues, with room to spare. */
const SESSION_ID = /^[A-Za-z0-9_-]{1,64}$/;

async function sessionFrom(url: URL): Promise<UiAuthSession> {
  const id = url.searchParams.get("session");
  if (!id) throw new SsoError("bad_session", "No session supplied: open this page from your app.");
  // A value no session could have (a NUL character, a mangled link) is an unknown session, without
  // asking the database.
  const session = SESSION_ID.test(id) ? await findUiAuthSession(id) : null;
  if (!session) {
    throw new SsoError("bad_session", "This confirmation request is unknown or has expired. Start the action again in your app.");
  }
  return session;
}

export async function showFallback(request: Request, stage: string): Promise<Response> {
  if (stage !== SSO_STAGE && stage !== PASSWORD_STAGE) return errorResponse(new MatrixError("M_UNKNOWN", "Unknown auth stage type", {}, 404));
  const url = new URL(request.url);
  try {
    const session = await sessionFrom(url);
    if (stage === PASSWORD_STAGE) {
      return await renderSsoPage("password_fallback", { userId: session.userId, description: session.description });
    }
    return await showSsoConfirmation(session, url);
  } catch (error) {
    return fallbackErrorResponse(error);
  }
}

async function showSsoConfirmation(session: UiAuthSession, url: URL): Promise<Response> {
  const config = getConfig();
  const linked = await linkedIdentityProviders(session.userId, config);
  if (linked.length === 0) throw new SsoError("no_sso_identity", "Your account has no single sign-on identity to confirm with.");
  const chosen = url.searchParams.get("idp");
  if (chosen !== null) {
    // Only an IdP this user has logged in with; the IdP round trip carries the UI-auth session.
    const match = linked.find((link) => link.provider.id === chosen);
    if (!match) throw new SsoError("unknown_idp", "Unknown identity provider ID");
    return startProviderLogin(match.provider, "", new URLSearchParams(), session.id);
  }
  const base = `${url.pathname}?session=${encodeURIComponent(session.id)}`;
  const first = linked[0].provider;
  return renderSsoPage("auth_confirm", {
    userId: session.userId,
    description: session.description,
    providers: linked.map((link) => ({
      name: link.provider.name,
      externalId: link.externalId,
      href: `${base}&idp=${encodeURIComponent(link.provider.id)}`,
      iconUrl: iconUrlOf(link.provider.icon, config, 32),
    })),
    idp: { idp_id: first.id, idp_name: first.name, idp_icon: first.icon, idp_brand: first.brand },
  });
}

/** POST of the password fallback form. */
export async function submitFallback(request: Request, stage: string): Promise<Response> {
  if (stage === SSO_STAGE) return errorResponse(new MatrixError("M_UNKNOWN", "Fallback SSO auth does not support POST requests.", {}, 404));
  if (stage !== PASSWORD_STAGE) return errorResponse(new MatrixError("M_UNKNOWN", "Unknown auth stage type", {}, 404));
  try {
    const session = await sessionFrom(new URL(request.url));
    const form = await readBrowserForm(request);
    const password = form.get("password") ?? "";
    let userId: string | null = null;
    try {
      userId = await validatePasswordSubmission({ identifier: { type: "m.id.user", user: session.userId }, password }, getConfig());
    } catch (error) {
      if (!isMatrixError(error) || error.errcode === "M_LIMIT_EXCEEDED") throw error;
    }
    if (userId !== session.userId) {
      return await renderSsoPage(
        "password_fallback",
        { userId: session.userId, description: session.description, error: "That password is not right. Try again." },
        { status: 401 },
      );
    }
    await recordCompletedStage(session.id, PASSWORD_STAGE, userId);
    return await renderSsoPage("auth_success", {});
  } catch (error) {
    return fallbackErrorResponse(error);
  }
}

/**
 * The page's error view for an expected error: a Matrix error (recognised by its brand, as it may
 * come from another route bundle's copy of the class: lib/matrix/errors.ts) keeps its status.
 */
function fallbackErrorResponse(error: unknown): Promise<Response> {
  if (error instanceof SsoError) return ssoErrorResponse(error);
  if (isMatrixError(error)) return ssoErrorResponse(new SsoError(error.errcode, error.message, error.status));
  throw error;
}
