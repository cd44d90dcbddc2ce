// GET /_synapse/client/theme/theme.css – the admin's theme as a stylesheet, for the one page that
// cannot read it on the server: Next.js's error boundary (app/error.tsx) is a client component. The
// other pages inline the same CSS (app/themed-page.tsx, lib/pages/views/document.tsx).
import { themeCss } from "@/lib/theme/theme-css";
import { activeTheme } from "@/lib/theme/theme-store";

export const dynamic = "force-dynamic";

export async function GET() {
  // activeTheme() keeps the last theme it read while the database is away: the error page that an
  // outage causes still wears it.
  const { theme } = await activeTheme();
  return new Response(themeCss(theme), {
    headers: {
      "Content-Type": "text/css; charset=utf-8",
      // A saved theme is live within seconds (lib/theme/theme-store.ts): no caching beyond that.
      "Cache-Control": "no-cache",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
