// The pages of user-interactive auth's fallback (Synapse's sso_auth_confirm.html,
// sso_auth_success.html, sso_auth_bad_user.html, and the password stage's form).
import { pageText, type Theme } from "../../theme/theme-schema";
import { Document } from "./document";

export interface UiAuthConfirmProps {
  theme: Theme;
  userId: string;
  description: string;
  /** One entry per IdP the user has logged in with. */
  providers: { name: string; externalId: string; href: string; iconUrl?: string }[];
}

export function UiAuthConfirmView({ theme, userId, description, providers }: UiAuthConfirmProps) {
  return (
    <Document title="Authentication" theme={theme}>
      <h1>{pageText(theme, "auth_confirm", "title", "Confirm it's you to continue")}</h1>
      <p>
        A client is trying to {description}. To confirm this action, re-authorise your account <strong>{userId}</strong> with single sign-on.
      </p>
      <p>
        <strong>If you did not expect this, your account may be compromised.</strong>
      </p>
      <ul className="idp-list">
        {providers.map((provider) => (
          <li key={provider.href}>
            <a className="idp-button" href={provider.href}>
              {provider.iconUrl ? <img src={provider.iconUrl} alt="" width={32} height={32} /> : null}
              <span>
                Continue with {provider.name} <span className="muted">({provider.externalId})</span>
              </span>
            </a>
          </li>
        ))}
      </ul>
    </Document>
  );
}

export function PasswordFallbackView({ theme, userId, description, error }: { theme: Theme; userId: string; description: string; error?: string }) {
  return (
    <Document title="Authentication" theme={theme}>
      <h1>{pageText(theme, "auth_confirm", "title", "Confirm it's you to continue")}</h1>
      <p>
        A client is trying to {description}. Enter the password of <strong>{userId}</strong> to confirm.
      </p>
      <form method="post">
        <label htmlFor="password">Password</label>
        <input id="password" name="password" type="password" autoComplete="current-password" required autoFocus aria-invalid={error ? true : undefined} />
        <p className={`message${error ? " error" : ""}`} role="status" aria-live="polite">{error}</p>
        <button type="submit">Confirm</button>
      </form>
    </Document>
  );
}

/** Tells the client through /sso-auth-done.js (postMessage "authDone", or window.onAuthDone). */
export function AuthSuccessView({ theme }: { theme: Theme }) {
  return (
    <Document title="Success!" theme={theme} scripts={["/sso-auth-done.js"]}>
      <h1>{pageText(theme, "auth_success", "title", "Thank you")}</h1>
      <p>{pageText(theme, "auth_success", "intro", "Now we know it's you, you can close this window and return to the application.")}</p>
    </Document>
  );
}

export function AuthBadUserView({ theme, serverName, expectedUserId }: { theme: Theme; serverName: string; expectedUserId: string }) {
  return (
    <Document title="Authentication failed" theme={theme}>
      <h1>{pageText(theme, "bad_user", "title", "That doesn't look right")}</h1>
      <p>
        <strong>
          We were unable to validate your {serverName} account {expectedUserId} via single sign-on (SSO), because the SSO Identity Provider
          returned different details than when you logged in.
        </strong>
      </p>
      <p>Try the operation again, and make sure that you use the same details that you used to log in.</p>
    </Document>
  );
}
