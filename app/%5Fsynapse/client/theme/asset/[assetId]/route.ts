// GET /_synapse/client/theme/asset/{id} – an image of the theme (logo, favicon)
import { findThemeAsset } from "@/lib/theme/theme-assets";

export const dynamic = "force-dynamic";

export async function GET(_request: Request, context: { params: Promise<{ assetId: string }> }) {
  const asset = await findThemeAsset((await context.params).assetId);
  if (!asset) return new Response("Not found", { status: 404 });
  return new Response(Buffer.from(asset.data), {
    headers: {
      "Content-Type": asset.mimeType,
      // Addressed by content hash, so it never changes.
      "Cache-Control": "public, max-age=31536000, immutable",
      "X-Content-Type-Options": "nosniff",
      "Content-Security-Policy": "default-src 'none'; sandbox",
    },
  });
}
