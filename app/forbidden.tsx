// 403: signed in, but not allowed here (the admin console for an account without the admin flag).
import type { Metadata } from "next";
import { ThemedPage } from "./themed-page";

export const metadata: Metadata = { title: "Not allowed" };

export default function Forbidden() {
  return (
    <ThemedPage title="Not allowed">
      <h1>Not allowed</h1>
      <p>This account is not an administrator of this server.</p>
      <form method="post" action="/admin/sign-out">
        <button type="submit" className="button secondary">Sign in as someone else</button>
      </form>
    </ThemedPage>
  );
}
