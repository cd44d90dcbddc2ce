// Deactivating an account (Synapse's DeactivateAccountHandler, without the parts this service does
// not hold: rooms, directory, push): the client API's POST /account/deactivate and the account
// page's "Deactivate account" both end here.
import { db } from "../../db/client";
import { deleteAllDevicesAndTokens } from "../devices";
import { notifyLoggedOut } from "../logged-out";

export async function deactivateUser(userId: string): Promise<void> {
  // External IDs are kept, as in Synapse, so the same SSO identity cannot silently re-register.
  // The browser sessions of the sign-in and account pages go with the devices.
  await db().$transaction([
    db().user.update({ where: { userId }, data: { deactivated: true, passwordHash: null } }),
    db().threePid.deleteMany({ where: { userId } }),
    db().webSession.deleteMany({ where: { userId } }),
  ]);
  await notifyLoggedOut(await deleteAllDevicesAndTokens(userId));
}
