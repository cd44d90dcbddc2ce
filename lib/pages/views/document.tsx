// The document shell of the SSO pages that route handlers render (see ../html-renderer.ts).
import type { ReactNode } from "react";

export function Document({ title, children, scripts = [] }: { title: string; children: ReactNode; scripts?: string[] }) {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex, nofollow" />
        <title>{title}</title>
        <link rel="stylesheet" href="/sso.css" />
        {scripts.map((src) => (
          <script key={src} src={src} defer />
        ))}
      </head>
      <body>
        <main className="card">{children}</main>
      </body>
    </html>
  );
}
