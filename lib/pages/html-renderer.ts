// Renders a React element to a complete HTML document, with react-dom/server.
//
// Next.js forbids react-dom/server inside its bundles (route handlers run in the React Server
// Components layer), yet the SSO endpoints must answer with HTML *and* a chosen status code and
// cookies on Synapse's exact paths, which only route handlers can do. So server.ts — plain Node,
// outside Next's bundles — registers this renderer at start-up, and route handlers reach it through
// `renderHtml` in ./html-response. Views are plain server components (no hooks, no client state),
// which render the same either way; elements are plain objects, so the two React builds agree.
import type { ReactElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";

export function renderDocument(element: ReactElement): string {
  return `<!DOCTYPE html>${renderToStaticMarkup(element)}`;
}
