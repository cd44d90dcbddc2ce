// The demo OpenID Provider's own pages: its login form, and reading what the form posts.
import { timingSafeEqual } from "node:crypto";
import type http from "node:http";
import type { DemoAccount } from "./types";

export function escapeHtml(value: unknown): string {
  return String(value ?? "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

const PAGE_STYLE =
  "body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0;padding:40px 12px}" +
  "main{max-width:340px;margin:0 auto;background:#fff;border-radius:8px;padding:24px 28px;box-shadow:0 1px 4px rgba(0,0,0,.15)}" +
  "h1{font-size:1.4em;margin:0 0 16px}label{display:block;margin:12px 0 4px;font-weight:600}" +
  "input{width:100%;box-sizing:border-box;padding:8px;font-size:1em;border:1px solid #bbb;border-radius:4px}" +
  "button{margin-top:18px;width:100%;padding:10px;font-size:1em;border:0;border-radius:4px;background:#0b5cad;color:#fff;cursor:pointer}" +
  ".error{color:#b00020}.hint{color:#666;font-size:.9em}a{color:#0b5cad}";

export function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>`;
}

export function loginPage(options: { uid: string; clientName: string; username: string; error?: string }): string {
  const action = `/interaction/${encodeURIComponent(options.uid)}`;
  return page(
    "Sign in",
    `<h1>Sign in</h1>
<p class="hint">to continue to <strong>${escapeHtml(options.clientName)}</strong></p>
${options.error ? `<p class="error" role="alert">${escapeHtml(options.error)}</p>` : ""}
<form method="post" action="${escapeHtml(action)}" autocomplete="off">
<label for="username">Username</label>
<input id="username" name="username" type="text" value="${escapeHtml(options.username)}" autocapitalize="none" required autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" required>
<button type="submit">Sign in</button>
</form>
<p class="hint"><a href="${escapeHtml(`${action}/abort`)}">Cancel</a></p>`,
  );
}

export function sendHtml(res: http.ServerResponse, status: number, html: string): void {
  res.statusCode = status;
  res.setHeader("Content-Type", "text/html; charset=utf-8");
  res.setHeader("Cache-Control", "no-store");
  res.setHeader("Content-Length", Buffer.byteLength(html));
  res.end(html);
}

export async function readForm(req: http.IncomingMessage, limit = 64 * 1024): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw Object.assign(new Error("request body too large"), { statusCode: 413 });
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

export function samePassword(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function findAccountByUsername(accounts: DemoAccount[], username: string): DemoAccount | undefined {
  const wanted = username.trim();
  const folded = wanted.toLowerCase();
  return (
    accounts.find((account) => account.sub === wanted) ??
    accounts.find(
      (account) =>
        (typeof account.claims.preferred_username === "string" && account.claims.preferred_username.toLowerCase() === folded) ||
        (typeof account.claims.email === "string" && account.claims.email.toLowerCase() === folded),
    )
  );
}
