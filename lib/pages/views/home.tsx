// The root page: what this server is, how to reach it from a Matrix client, and a way to try a
// login in the browser alone (one button per configured IdP, ending on the signed-in page).
import type { Theme } from "../../theme/theme-schema";
import { Document } from "./document";

export interface HomeProviderLink {
  name: string;
  href: string;
  iconUrl?: string;
}

export interface HomeProps {
  theme: Theme;
  serverName: string;
  publicBaseUrl: string;
  providers: HomeProviderLink[];
  /** The password login page, when passwords can be used to log in. */
  passwordLoginUrl?: string;
}

export function HomeView({ theme, serverName, publicBaseUrl, providers, passwordLoginUrl }: HomeProps) {
  return (
    <Document title={serverName} theme={theme}>
      <h1>{serverName}</h1>
      <p>
        This is the Matrix homeserver of <strong>{serverName}</strong>. To chat, open a Matrix client (such as Element) and sign in with
        the homeserver <code>{publicBaseUrl}</code>, or with your user ID <code>@name:{serverName}</code>.
      </p>
      {providers.length > 0 ? (
        <>
          <h2>Try signing in here</h2>
          <ul className="idp-list">
            {providers.map((provider) => (
              <li key={provider.href}>
                <a className="idp-button" href={provider.href}>
                  {provider.iconUrl ? <img src={provider.iconUrl} alt="" width={32} height={32} /> : null}
                  <span>Sign in with {provider.name}</span>
                </a>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {passwordLoginUrl ? (
        <p>
          <a className="secondary-link" href={passwordLoginUrl}>Sign in with a password</a>
        </p>
      ) : null}
      <p className="muted admin-link">
        Run this server? <a href="/admin">Open the admin console</a>.
      </p>
    </Document>
  );
}

/** Where the root page's sign-in ends when no client is waiting for the login token. */
export function SignedInView({ theme, userId }: { theme: Theme; userId: string | null }) {
  if (!userId) {
    return (
      <Document title="Sign-in link expired" theme={theme}>
        <h1>This sign-in link has expired or was already used</h1>
        <p>Nothing was changed. Start again to sign in.</p>
        <a className="button" href="/">Start again</a>
      </Document>
    );
  }
  return (
    <Document title="You are signed in" theme={theme}>
      <h1>You are signed in</h1>
      <p>
        You signed in as <strong>{userId}</strong>. No app was waiting for this sign-in, so there is nothing more to do here: return to
        your Matrix app and sign in there with the same account.
      </p>
      <a className="button secondary" href="/">Back to the start page</a>
    </Document>
  );
}
