"use server";
// The admin console's state changes. Each checks, on the server, that the caller is an admin now;
// Next.js refuses server-action calls from other origins, and next-auth's session cookie is SameSite.
import { revalidatePath } from "next/cache";
import { removeExternalId, setDeactivated } from "@/lib/admin/user-admin";
import { currentAdminSession } from "@/lib/admin/require-admin-session";
import { contrastWarnings } from "@/lib/theme/contrast";
import { AssetRejectedError, storeThemeAsset } from "@/lib/theme/theme-assets";
import { rollBackTheme, saveTheme } from "@/lib/theme/theme-store";
import { themeSchema } from "@/lib/theme/theme-schema";

async function requireAdminUser(): Promise<string> {
  const session = await currentAdminSession();
  if (session.status !== "admin") throw new Error("not an admin");
  return session.userId;
}

export async function setUserDeactivatedAction(userId: string, deactivated: boolean): Promise<void> {
  await requireAdminUser();
  await setDeactivated(userId, deactivated);
  revalidatePath(`/admin/users/${encodeURIComponent(userId)}`);
}

export async function removeExternalIdAction(userId: string, authProvider: string, externalId: string): Promise<void> {
  await requireAdminUser();
  await removeExternalId(userId, authProvider, externalId);
  revalidatePath(`/admin/users/${encodeURIComponent(userId)}`);
}

export type UploadResult = { assetId: string } | { error: string };

export async function uploadThemeAssetAction(form: FormData): Promise<UploadResult> {
  await requireAdminUser();
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
  const admin = await requireAdminUser();
  const parsed = themeSchema.safeParse(draft);
  if (!parsed.success) return { errors: parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`) };
  const version = await saveTheme(parsed.data, admin);
  revalidatePath("/admin/theme");
  return { version, warnings: contrastWarnings(parsed.data.colors) };
}

export async function rollBackThemeAction(versionId: number): Promise<void> {
  const admin = await requireAdminUser();
  await rollBackTheme(versionId, admin);
  revalidatePath("/admin/theme");
}
