"use server";
// The admin console's state changes. Each checks, on the server, that the caller is an admin now
// (anyone else gets 403); Next.js refuses server-action calls from other origins, and next-auth's session cookie is SameSite.
import { revalidatePath } from "next/cache";
import { removeExternalId, setDeactivated } from "@/lib/admin/user-admin";
import { requireAdminForAction } from "@/lib/admin/require-admin-session";
import { contrastWarnings } from "@/lib/theme/contrast";
import { AssetRejectedError, storeThemeAsset } from "@/lib/theme/theme-assets";
import { rollBackTheme, saveTheme } from "@/lib/theme/theme-store";
import { DEFAULT_THEME, themeSchema } from "@/lib/theme/theme-schema";

export async function setUserDeactivatedAction(userId: string, deactivated: boolean): Promise<void> {
  await requireAdminForAction();
  await setDeactivated(userId, deactivated);
  revalidatePath(`/admin/users/${encodeURIComponent(userId)}`);
}

export async function removeExternalIdAction(userId: string, authProvider: string, externalId: string): Promise<void> {
  await requireAdminForAction();
  await removeExternalId(userId, authProvider, externalId);
  revalidatePath(`/admin/users/${encodeURIComponent(userId)}`);
}

export type UploadResult = { assetId: string } | { error: string };

export async function uploadThemeAssetAction(form: FormData): Promise<UploadResult> {
  await requireAdminForAction();
  const file = form.get("file");
  if (!(file instanceof File)) return { error: "Choose an image to upload." };
  try {
    return { assetId: await storeThemeAsset(new Uint8Array(await file.arrayBuffer())) };
  } catch (error) {
    if (error instanceof AssetRejectedError) return { error: error.message };
    throw error;
  }
}

export type SaveResult = { version: number; warnings: string[] } | { errors: string[] };

export async function saveThemeAction(draft: unknown): Promise<SaveResult> {
  const admin = await requireAdminForAction();
  const parsed = themeSchema.safeParse(draft);
  if (!parsed.success) return { errors: parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`) };
  const version = await saveTheme(parsed.data, admin);
  revalidatePath("/admin/theme");
  return { version, warnings: contrastWarnings(parsed.data.colors) };
}

export async function rollBackThemeAction(versionId: number): Promise<void> {
  const admin = await requireAdminForAction();
  await rollBackTheme(versionId, admin);
  revalidatePath("/admin/theme");
}

/** Back to the built-in look, as a new version (so the previous one can still be rolled back to). */
export async function resetThemeAction(): Promise<void> {
  const admin = await requireAdminForAction();
  await saveTheme(DEFAULT_THEME, admin, "reset to the built-in theme");
  revalidatePath("/admin/theme");
}
