// The end of an SSO re-authentication for UI auth: the IdP came back for a UI-auth session. Kept
// apart from the fallback pages (fallback.ts), which start the IdP round trip: the SSO flows call
// this, and the fallback pages call the SSO flows, so one module holding both would be an import
// circle.
import { getConfig } from "../../config/load-config";
import { renderSsoPage } from "../../pages/sso-pages";
import { SsoError } from "../../sso/sso-error";
import { findUserIdByExternalId } from "../../users/users";
import { SSO_STAGE } from "./flows";
import { findUiAuthSession, recordCompletedStage } from "./sessions";

/**
 * Synapse's complete_sso_ui_auth_request: the stage is completed if the upstream identity is
 * linked to the user being verified; otherwise the bad-user page is shown and the stage stays
 * incomplete (Synapse records a failure that makes the operation answer 403; leaving it open lets
 * the person retry with the right identity in the same session). No account is ever created here.
 */
export async function completeSsoUiAuth(authProviderId: string, remoteUserId: string, sessionId: string): Promise<Response> {
  const session = await findUiAuthSession(sessionId);
  if (!session) throw new SsoError("bad_session", `Unknown session ID: ${sessionId}`);
  const userId = await findUserIdByExternalId(authProviderId, remoteUserId);
  if (userId !== session.userId) {
    return renderSsoPage("bad_user", { serverName: getConfig().server_name, expectedUserId: session.userId });
  }
  await recordCompletedStage(session.id, SSO_STAGE, userId);
  return renderSsoPage("auth_success", {});
}
