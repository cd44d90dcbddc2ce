// /admin/sign-in/sso?loginToken= – where single sign-on hands the admin back; the login token is
// exchanged for an admin-console session.
import { SsoSignInCompletion } from "./sso-sign-in-completion";

export const dynamic = "force-dynamic";

export default function SsoReturnPage() {
  return (
    <main className="card">
      <h1>Signing you in…</h1>
      <SsoSignInCompletion />
    </main>
  );
}
