// The document shell of the SSO pages: the admin's theme (logo, product name, colours, footer
// links, custom CSS) applied on the server, so none of it needs client JavaScript.
import type { ReactNode } from "react";
import { themeAssetUrl } from "../../theme/theme-assets";
import { themeCss } from "../../theme/theme-css";
import type { Theme } from "../../theme/theme-schema";

export function Document({ title, theme, children, scripts = [] }: { title: string; theme: Theme; children: ReactNode; scripts?: string[] }) {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex, nofollow" />
        <title>{`${title} · ${theme.productName}`}</title>
        {theme.faviconAssetId ? <link rel="icon" href={themeAssetUrl(theme.faviconAssetId)} /> : null}
        <link rel="stylesheet" href="/sso.css" />
        {/* Allowed by a CSP hash of its exact content (see html-response.ts). */}
        <style id="theme" dangerouslySetInnerHTML={{ __html: themeCss(theme) }} />
        {scripts.map((src) => (
          <script key={src} src={src} defer />
        ))}
      </head>
      <body>
        <header className="brand">
          {theme.logoAssetId ? <img src={themeAssetUrl(theme.logoAssetId)} alt="" className="brand-logo" /> : null}
          <span className="brand-name">{theme.productName}</span>
        </header>
        <main className="card">{children}</main>
        {theme.footerLinks.length > 0 ? (
          <footer className="footer">
            {theme.footerLinks.map((link) => (
              <a key={link.url} href={link.url} rel="noopener noreferrer">
                {link.label}
              </a>
            ))}
          </footer>
        ) : null}
      </body>
    </html>
  );
}
