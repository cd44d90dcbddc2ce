// GET|POST /admin/preview/{page} – a themed page with sample data, for the theme editor's preview
// (POST carries the unsaved theme as form field `theme`; GET shows the saved one)
import { currentAdminSession } from "@/lib/admin/require-admin-session";
import { isPreviewPage, previewElement } from "@/lib/admin/preview-samples";
import { getConfig } from "@/lib/config/load-config";
import { htmlResponse } from "@/lib/pages/html-response";
import { activeTheme } from "@/lib/theme/theme-store";
import { themeSchema } from "@/lib/theme/theme-schema";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ page: string }> };

async function preview(request: Request, context: Context) {
  const session = await currentAdminSession();
  if (session.status !== "admin") return new Response("Forbidden", { status: 403 });
  const { page } = await context.params;
  if (!isPreviewPage(page)) return new Response("Unknown page", { status: 404 });
  let theme = (await activeTheme()).theme;
  if (request.method === "POST") {
    const form = await request.formData();
    let raw: unknown = {};
    try {
      raw = JSON.parse(String(form.get("theme") ?? "{}"));
    } catch {
      // An unreadable draft previews as the saved theme.
    }
    const parsed = themeSchema.safeParse(raw);
    if (parsed.success) theme = parsed.data;
  }
  return htmlResponse(previewElement(page, theme, getConfig()), { frameAncestors: "'self'", scripts: false });
}

export { preview as GET, preview as POST };
