// The HTML shell of every page: the pages themselves are server components that work without
// JavaScript; scripts only enhance them.
import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";

export const metadata: Metadata = { title: "Sign in", robots: { index: false, follow: false } };
export const viewport: Viewport = { width: "device-width", initialScale: 1 };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <head>
        {/* One stylesheet for the React pages and the SSO pages rendered by route handlers. */}
        <link rel="stylesheet" href="/sso.css" />
      </head>
      <body>{children}</body>
    </html>
  );
}
