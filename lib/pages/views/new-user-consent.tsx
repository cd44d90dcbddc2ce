// The consent step of a new SSO account (Synapse's sso_new_user_consent.html), shown when
// user_consent.require_at_registration is on: the account is created only once the person agrees
// to the policy, which the page links to. The checkbox is required, so the form is not sent unticked.
import type { Theme } from "../../theme/theme-schema";
import { AccountProfile } from "./account-profile";
import { Document } from "./document";

export interface NewUserConsentProps {
  theme: Theme;
  userId: string;
  displayName?: string | null;
  consentVersion: string;
  policyName: string;
  /** /_matrix/consent?v=<version> */
  termsUrl: string;
  /** The form posts here. */
  action: string;
}

export function NewUserConsentView({ theme, userId, displayName, consentVersion, policyName, termsUrl, action }: NewUserConsentProps) {
  return (
    <Document title="Your account is nearly ready" theme={theme}>
      <h1>Your account is nearly ready</h1>
      <p>Agree to the terms to create your account.</p>
      <AccountProfile userId={userId} displayName={displayName} />
      <form method="post" action={action}>
        <label className="checkbox">
          <input type="checkbox" name="accepted_version" value={consentVersion} required />
          <span>
            I have read and agree to the{" "}
            <a href={termsUrl} target="_blank" rel="noopener noreferrer">
              terms and conditions
            </a>{" "}
            ({policyName}, version {consentVersion})
          </span>
        </label>
        <button type="submit">Continue</button>
      </form>
    </Document>
  );
}
