// /admin/sign-in – sign in to the admin console with a password, or with single sign-on when
// identity providers are configured.
import type { Metadata } from "next";
import { passwordLoginEnabled } from "@/lib/auth/login";
import { getConfig } from "@/lib/config/load-config";
import { identityProviders } from "@/lib/sso/registry";
import { PasswordSignInForm } from "./password-sign-in-form";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Sign in — Admin" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ error?: string }> }) {
  const config = getConfig();
  const { error } = await searchParams;
  const returnUrl = `${config.public_baseurl}admin/sign-in/sso`;
  const providers = identityProviders(config);
  return (
    <main className="card">
      <h1>Admin sign-in</h1>
      <p className="muted">{config.server_name}</p>
      {error ? <p className="message error" role="alert">Sign-in failed. Check your details and try again.</p> : null}
      {passwordLoginEnabled(config) ? <PasswordSignInForm /> : null}
      {providers.length > 0 ? (
        <a className="button secondary" href={`/_matrix/client/v3/login/sso/redirect?${new URLSearchParams({ redirectUrl: returnUrl })}`}>
          Sign in with single sign-on
        </a>
      ) : null}
    </main>
  );
}
