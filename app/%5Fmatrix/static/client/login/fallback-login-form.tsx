"use client";
// The fallback form logs in through the client-server API itself, then hands the result to the
// embedding client through window.onLogin, as the spec's login fallback says. The response is
// never posted to other windows: it holds an access token.
import { useState, type FormEvent } from "react";

type LoginResult = { user_id: string; access_token: string; device_id: string; home_server: string };

declare global {
  interface Window {
    onLogin?: (response: LoginResult) => void;
  }
}

export function FallbackLoginForm({ serverName }: { serverName: string }) {
  const [message, setMessage] = useState<{ kind: "error" | "success"; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setMessage(null);
    try {
      const response = await fetch("/_matrix/client/v3/login", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          type: "m.login.password",
          identifier: { type: "m.id.user", user: String(form.get("username") ?? "") },
          password: String(form.get("password") ?? ""),
          initial_device_display_name: "Login fallback",
        }),
      });
      const body = await response.json();
      if (!response.ok) {
        setMessage({ kind: "error", text: body.error ?? "Login failed" });
        return;
      }
      setMessage({ kind: "success", text: `Logged in as ${body.user_id}` });
      window.onLogin?.(body);
    } catch {
      setMessage({ kind: "error", text: "Could not reach the server. Try again." });
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit}>
      <label htmlFor="username">Username</label>
      <input id="username" name="username" type="text" autoComplete="username" autoCapitalize="none" spellCheck={false} required placeholder={`alice or @alice:${serverName}`} />
      <label htmlFor="password">Password</label>
      <input id="password" name="password" type="password" autoComplete="current-password" required />
      <button type="submit" disabled={busy}>{busy ? "Logging in…" : "Log in"}</button>
      <p className={`message ${message?.kind ?? ""}`} role="status" aria-live="polite">{message?.text}</p>
    </form>
  );
}
