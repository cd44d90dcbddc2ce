// GET|POST /admin/preview/{page} – a themed page with sample data, for the theme editor's preview
// (POST carries the unsaved theme as form field `theme`; GET shows the saved one)
import { currentAdminSession } from "@/lib/admin/require-admin-session";
import { isPreviewPage, previewElement } from "@/lib/admin/preview-samples";
import { getConfig } from "@/lib/config/load-config";
import { readFormBody } from "@/lib/http/body";
import { htmlResponse } from "@/lib/pages/html-response";
import { activeTheme } from "@/lib/theme/theme-store";
import { themeSchema } from "@/lib/theme/theme-schema";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ page: string }> };

// The draft is the theme as JSON in one form field: its largest part, custom CSS, is at most 20,000
// characters, which percent-encoding can make a few times longer. Nothing bigger is read.
const MAX_DRAFT_FORM_BYTES = 256 * 1024;

class DraftTooLarge extends Error {}

async function preview(request: Request, context: Context) {
  const session = await currentAdminSession();
  if (session.status !== "admin") return new Response("Forbidden", { status: 403 });
  const { page } = await context.params;
  if (!isPreviewPage(page)) return new Response("Unknown page", { status: 404 });
  let theme = (await activeTheme()).theme;
  if (request.method === "POST") {
    let form: URLSearchParams;
    try {
      form = await readFormBody(request, MAX_DRAFT_FORM_BYTES, () => new DraftTooLarge());
    } catch (error) {
      if (error instanceof DraftTooLarge) return new Response("The draft theme is too large to preview", { status: 413 });
      throw error;
    }
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
