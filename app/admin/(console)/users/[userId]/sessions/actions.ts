"use server";
// The console's revocations of one user's sessions and sign-in methods; each checks the admin itself.
import { revalidatePath } from "next/cache";
import { signOutDevice, unlinkIdentity } from "@/lib/account/account-actions";
import { revokeAllSessions, revokeBrowserSession } from "@/lib/account/admin-sessions";
import { requireAdminForAction } from "@/lib/admin/require-admin-session";

const pagePath = (userId: string) => `/admin/users/${encodeURIComponent(userId)}/sessions`;

export async function revokeDeviceAction(userId: string, deviceId: string): Promise<void> {
  await requireAdminForAction();
  await signOutDevice(userId, deviceId);
  revalidatePath(pagePath(userId));
}

export async function revokeBrowserSessionAction(userId: string, sessionId: string): Promise<void> {
  await requireAdminForAction();
  await revokeBrowserSession(userId, sessionId);
  revalidatePath(pagePath(userId));
}

export async function revokeAllSessionsAction(userId: string): Promise<void> {
  await requireAdminForAction();
  await revokeAllSessions(userId);
  revalidatePath(pagePath(userId));
}

/** An admin may remove even the last link (the account page refuses that to its owner). */
export async function unlinkIdentityAction(userId: string, idpId: string, externalId: string): Promise<void> {
  await requireAdminForAction();
  await unlinkIdentity(userId, idpId, externalId);
  revalidatePath(pagePath(userId));
}
