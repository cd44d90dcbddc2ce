"use client";
import { signIn } from "next-auth/react";
import { useState, type FormEvent } from "react";

export function PasswordSignInForm() {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    const result = await signIn("password", {
      username: String(form.get("username") ?? ""),
      password: String(form.get("password") ?? ""),
      redirect: false,
    });
    setBusy(false);
    if (result?.ok) window.location.assign("/admin");
    else if (result?.error === "RateLimited") setError("Too many sign-in attempts. Wait a minute and try again.");
    else setError("Invalid username or password.");
  }

  return (
    <form onSubmit={submit}>
      <label htmlFor="admin-username">Username</label>
      <input id="admin-username" name="username" type="text" autoComplete="username" autoCapitalize="none" required />
      <label htmlFor="admin-password">Password</label>
      <input id="admin-password" name="password" type="password" autoComplete="current-password" required />
      <button type="submit" disabled={busy}>Sign in</button>
      <p className={`message${error ? " error" : ""}`} role="status">{error}</p>
    </form>
  );
}
