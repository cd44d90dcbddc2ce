// Images an admin uploads for the theme. Only raster formats whose bytes match their type are
// accepted (no SVG: it can carry script), up to a size limit; they are stored in the database,
// addressed by the SHA-256 of their content, so every instance serves the same file.
import { createHash } from "node:crypto";
import { db } from "../db/client";

export const MAX_ASSET_BYTES = 512 * 1024;

const SIGNATURES: { mimeType: string; matches: (bytes: Uint8Array) => boolean }[] = [
  { mimeType: "image/png", matches: (b) => b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47 },
  { mimeType: "image/jpeg", matches: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { mimeType: "image/gif", matches: (b) => b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x38 },
  { mimeType: "image/webp", matches: (b) => b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46 && b[8] === 0x57 && b[9] === 0x45 },
  { mimeType: "image/x-icon", matches: (b) => b[0] === 0 && b[1] === 0 && b[2] === 1 && b[3] === 0 },
];

export class AssetRejectedError extends Error {}

/** Stores an upload and returns its ID, or explains why it was refused. */
export async function storeThemeAsset(bytes: Uint8Array): Promise<string> {
  if (bytes.length === 0) throw new AssetRejectedError("The file is empty.");
  if (bytes.length > MAX_ASSET_BYTES) throw new AssetRejectedError(`The image is larger than ${MAX_ASSET_BYTES / 1024} KB.`);
  const type = SIGNATURES.find((signature) => signature.matches(bytes));
  if (!type) throw new AssetRejectedError("Only PNG, JPEG, GIF, WebP and ICO images can be used.");
  const id = createHash("sha256").update(bytes).digest("hex");
  await db().themeAsset.upsert({ where: { id }, update: {}, create: { id, mimeType: type.mimeType, data: Buffer.from(bytes) } });
  return id;
}

export async function findThemeAsset(id: string): Promise<{ mimeType: string; data: Uint8Array } | null> {
  if (!/^[a-f0-9]{64}$/.test(id)) return null;
  return db().themeAsset.findUnique({ where: { id }, select: { mimeType: true, data: true } });
}

export { themeAssetUrl } from "./theme-asset-url";
