// /admin/sign-in/sso?loginToken= – where single sign-on hands the admin back; the login token is
// exchanged for an admin-console session.
import type { Metadata } from "next";
import { SsoSignInCompletion } from "./sso-sign-in-completion";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Signing in — Admin" };

export default function SsoReturnPage() {
  return (
    <main className="card">
      <h1>Signing you in…</h1>
      <SsoSignInCompletion />
    </main>
  );
}
