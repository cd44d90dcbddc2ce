"use server";
// The console's revocations of OAuth 2.0 clients and their sessions; each checks the admin itself.
import { revalidatePath } from "next/cache";
import { requireAdminForAction } from "@/lib/admin/require-admin-session";
import { removeOAuthClient, revokeOAuthSession } from "@/lib/oauth/admin-clients";

export async function revokeOAuthSessionAction(grantId: string): Promise<void> {
  await requireAdminForAction();
  await revokeOAuthSession(grantId);
  revalidatePath("/admin/oauth-clients");
}

export async function removeOAuthClientAction(clientId: string): Promise<void> {
  await requireAdminForAction();
  await removeOAuthClient(clientId);
  revalidatePath("/admin/oauth-clients");
}
