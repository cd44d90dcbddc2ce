// The OAuth 2.0 consent page: which app asks, whose site it comes from (the client_uri host, which
// every other URI of the client shares: lib/oauth/client-metadata.ts), what it gets, and Allow or
// Cancel. A plain form: no script, keyboard order is reading order, one column at any width.
import { AccountProfile } from "../../pages/views/account-profile";
import { Document } from "../../pages/views/document";
import type { Theme } from "../../theme/theme-schema";

export interface ConsentViewProps {
  theme: Theme;
  clientName: string;
  clientHost: string;
  logoUri?: string;
  policyUri?: string;
  tosUri?: string;
  userId: string;
  displayName?: string | null;
  deviceId: string;
  admin: boolean;
  /** The form posts here. */
  action: string;
  /** The sign-in page, to continue as someone else. */
  switchAccountHref: string;
}

export function ConsentView(props: ConsentViewProps) {
  const { theme, clientName, clientHost, logoUri, policyUri, tosUri, userId, displayName, deviceId, admin, action, switchAccountHref } = props;
  return (
    <Document title={`Allow ${clientName}?`} theme={theme}>
      {logoUri ? <img src={logoUri} alt="" width={64} height={64} className="client-logo" /> : null}
      <h1>Allow {clientName} to use your account?</h1>
      <p>
        <strong>{clientName}</strong> at <strong>{clientHost}</strong> wants full access to your account on this device.
      </p>
      <AccountProfile userId={userId} displayName={displayName} />
      <p className="muted">
        <a href={switchAccountHref}>Not you? Sign in with another account</a>
      </p>
      <ul>
        <li>Read and send your messages, and everything else your account can do, as a new session ({deviceId}).</li>
        {admin ? <li>Administer this server with your administrator rights.</li> : null}
        <li>You can end this session at any time from your list of sessions.</li>
      </ul>
      {policyUri || tosUri ? (
        <p className="muted">
          Before you allow it, read {clientName}&apos;s{" "}
          {policyUri ? (
            <a href={policyUri} target="_blank" rel="noopener noreferrer">
              privacy policy
            </a>
          ) : null}
          {policyUri && tosUri ? " and " : null}
          {tosUri ? (
            <a href={tosUri} target="_blank" rel="noopener noreferrer">
              terms of service
            </a>
          ) : null}
          .
        </p>
      ) : null}
      <form method="post" action={action}>
        <button type="submit" name="decision" value="allow">
          Allow
        </button>
        <button type="submit" name="decision" value="deny" className="button secondary">
          Cancel
        </button>
      </form>
    </Document>
  );
}
