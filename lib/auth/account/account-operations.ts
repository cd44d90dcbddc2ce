// The account operations that need user-interactive auth: changing the password and deactivating
// the account (Synapse's PasswordRestServlet / DeactivateAccountRestServlet).
import { getConfig } from "../../config/load-config";
import { db } from "../../db/client";
import { MatrixError } from "../../matrix/errors";
import type { MatrixRequest } from "../../matrix/route";
import { parseMatrixBody } from "../../matrix/request-body";
import { changePasswordBodySchema, jsonObjectBodySchema } from "../../matrix/request-bodies";
import { authenticateRequest } from "../access-tokens";
import { deleteAllDevicesAndTokens } from "../devices";
import { notifyLoggedOut } from "../logged-out";
import { hashPassword } from "../passwords";
import { requireUiAuth } from "../ui-auth/check-ui-auth";
import { deactivateUser } from "./deactivate-user";
import { checkPasswordPolicy } from "./password-policy";

/** POST /account/password {new_password, logout_devices?, auth} */
export async function changePassword({ request, url, json }: MatrixRequest): Promise<object> {
  const config = getConfig();
  const requester = await authenticateRequest(request);
  const body = parseMatrixBody(changePasswordBodySchema, await json());
  if (config.password_config.enabled === false || !config.password_config.localdb_enabled) {
    throw new MatrixError("M_FORBIDDEN", "Password change disabled");
  }
  // Checked before UI auth too, so the person learns of a weak password before re-authenticating.
  checkPasswordPolicy(body.new_password, config);
  await requireUiAuth({ requester, method: "POST", uri: url.pathname, body, description: "modify your account password" });

  const passwordHash = await hashPassword(body.new_password, { pepper: config.password_config.pepper, rounds: config.bcrypt_rounds });
  await db().user.update({ where: { userId: requester.userId }, data: { passwordHash } });
  if (body.logout_devices !== false) {
    // Every other session ends; the one that changed the password stays (Synapse's set_password).
    const deleted = await deleteAllDevicesAndTokens(requester.userId, requester.deviceId ?? undefined, requester.tokenId);
    await notifyLoggedOut(deleted);
  }
  return {};
}

/** POST /account/deactivate {auth, erase?} */
export async function deactivateAccount({ request, url, json }: MatrixRequest): Promise<object> {
  const requester = await authenticateRequest(request);
  const body = parseMatrixBody(jsonObjectBodySchema, await json());
  await requireUiAuth({ requester, method: "POST", uri: url.pathname, body, description: "deactivate your account" });
  await deactivateUser(requester.userId);
  return { id_server_unbind_result: "no-support" };
}
