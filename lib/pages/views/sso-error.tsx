// The SSO error page (Synapse's sso_error.html): what went wrong in words, a title that says so,
// the error code for admins to find the cause in the log (sso-error.ts logs it), and — unlike
// Synapse (issue #9897) — a way to start the login again when we know how. Only a link that has
// expired or was used leaves the code out: there is nothing for an admin to look up.
import { pageText, type Theme } from "../../theme/theme-schema";
import { Document } from "./document";

export interface SsoErrorProps {
  theme: Theme;
  error: string;
  description: string;
  /** Where "Try again" goes, when the flow can be restarted. */
  restartUrl?: string;
  /** A heading that says what happened, instead of the generic one. */
  heading?: string;
}

export function SsoErrorView({ theme, error, description, restartUrl, heading }: SsoErrorProps) {
  if (error === "unauthorised") {
    return (
      <Document title="Not allowed to log in" theme={theme}>
        <h1>Not allowed</h1>
        <p>You are not allowed to log in here.</p>
        <p className="error-code">Error code: {error}</p>
      </Document>
    );
  }
  if (error === "provider_unavailable") {
    return (
      <Document title="Login provider unavailable" theme={theme}>
        <h1>This login provider is unavailable right now.</h1>
        <p>Please try another way of logging in, or try again later.</p>
        <p className="muted">If you run this server, check its logs for details.</p>
        {restartUrl ? <a className="button" href={restartUrl}>Try again</a> : null}
        <p className="error-code">Error code: {error}</p>
      </Document>
    );
  }
  if (heading) {
    return (
      <Document title={heading} theme={theme}>
        <h1>{heading}</h1>
        <p id="errormsg">{description}</p>
        {restartUrl ? <a className="button" href={restartUrl}>Start again</a> : null}
      </Document>
    );
  }
  // Synapse's sentence about e-mail confirmation links is left out: no page here is reached that way.
  return (
    <Document title="Sign-in failed" theme={theme}>
      <h1>{pageText(theme, "sso_error", "title", "There was an error")}</h1>
      <p id="errormsg"><strong>{description}</strong></p>
      <p>{pageText(theme, "sso_error", "intro", "Try logging in again from your Matrix client and if the problem persists please contact the server's administrator.")}</p>
      {restartUrl ? <a className="button" href={restartUrl}>Start again</a> : null}
      <p className="error-code">Error code: {error}</p>
    </Document>
  );
}

export function AccountDeactivatedView({ theme }: { theme: Theme }) {
  return (
    <Document title="SSO account deactivated" theme={theme}>
      <h1>{pageText(theme, "account_deactivated", "title", "Your account has been deactivated")}</h1>
      <p><strong>No account found</strong></p>
      <p>{pageText(theme, "account_deactivated", "intro", "Your account might have been deactivated by the server administrator. You can either try to create a new account or contact the server's administrator.")}</p>
    </Document>
  );
}
