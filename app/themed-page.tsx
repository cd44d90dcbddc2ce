// The admin's theme on the pages Next.js renders outside the console (not found, not allowed, an
// unexpected error): its colours and custom CSS, and the brand header of the SSO pages, so a person
// who lands on one still sees the same site. The inline style carries proxy.ts's CSP nonce.
import { headers } from "next/headers";
import type { ReactNode } from "react";
import { themeAssetUrl } from "@/lib/theme/theme-asset-url";
import { themeCss } from "@/lib/theme/theme-css";
import { activeTheme } from "@/lib/theme/theme-store";

export async function ThemedPage({ title, children }: { title?: string; children: ReactNode }) {
  const [{ theme }, requestHeaders] = await Promise.all([activeTheme(), headers()]);
  return (
    <>
      {/* forbidden() keeps the metadata of the page it interrupted; this <title> (hoisted by React) says what happened. */}
      {title ? <title>{title}</title> : null}
      <style nonce={requestHeaders.get("x-nonce") ?? undefined} dangerouslySetInnerHTML={{ __html: themeCss(theme) }} />
      <header className="brand">
        {theme.logoAssetId ? <img src={themeAssetUrl(theme.logoAssetId)} alt="" className="brand-logo" /> : null}
        <span className="brand-name">{theme.productName}</span>
      </header>
      <main className="card">{children}</main>
    </>
  );
}
