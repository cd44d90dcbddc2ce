// The redirect confirmation (Synapse's sso_redirect_confirm.html), shown before a login token is
// handed to a client that is not on sso.client_whitelist, so that a phishing link cannot silently
// log a victim into an attacker's app. Unlike Synapse, the login token is not in the page: it is
// created only when the person presses Continue (a POST).
import { pageText, type Theme } from "../../theme/theme-schema";
import { AccountProfile } from "./account-profile";
import { Document } from "./document";

export interface RedirectConfirmProps {
  theme: Theme;
  displayUrl: string;
  userId: string;
  displayName?: string | null;
  newUser: boolean;
  /** The form posts here; the response redirects to the client with its login token. */
  action: string;
  /** For Synapse's template, which links (GET) to redirect_url rather than posting. */
  linkAction?: string;
}

export function RedirectConfirmView({ theme, displayUrl, userId, displayName, newUser, action }: RedirectConfirmProps) {
  return (
    <Document title="Continue to your account" theme={theme}>
      <h1>{pageText(theme, "redirect_confirm", "title", newUser ? "Your account is ready" : "Continue to your account")}</h1>
      <AccountProfile userId={userId} displayName={displayName} />
      <p>
        Continuing will grant <strong>{displayUrl}</strong> access to your account.
      </p>
      <form method="post" action={action}>
        <button type="submit">{pageText(theme, "redirect_confirm", "button", "Continue")}</button>
      </form>
      <p className="muted">If you did not just try to log in to {displayUrl}, close this page.</p>
    </Document>
  );
}
