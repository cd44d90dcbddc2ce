// The sign-in page of this service's own pages (/sign-in): the password form when passwords log in
// here, and one button per configured IdP. Plain forms: it works without JavaScript.
import type { Theme } from "../../theme/theme-schema";
import { Document } from "../../pages/views/document";

export interface SignInProvider {
  id: string;
  name: string;
  href: string;
  iconUrl?: string;
}

export interface SignInViewProps {
  theme: Theme;
  serverName: string;
  /** The hidden fields every form carries back (next, reauth, create). */
  carry: Record<string, string>;
  mode: "sign-in" | "reauth" | "create";
  /** Who is signed in already, when re-authenticating. */
  signedInAs?: string;
  passwordForm: boolean;
  providers: SignInProvider[];
  username?: string;
  error?: string;
}

function Hidden({ carry }: { carry: Record<string, string> }) {
  return (
    <>
      {Object.entries(carry).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
    </>
  );
}

const HEADINGS = { "sign-in": "Sign in", reauth: "Confirm it's you", create: "Create an account" } as const;

export function SignInView(props: SignInViewProps) {
  const { theme, serverName, carry, mode, signedInAs, passwordForm, providers, username, error } = props;
  const verb = mode === "create" ? "Continue" : "Sign in";
  return (
    <Document title={HEADINGS[mode]} theme={theme}>
      <link rel="stylesheet" href="/account.css" />
      <h1>{HEADINGS[mode]}</h1>
      {mode === "reauth" && signedInAs ? (
        <p>
          You are signed in as <strong className="matrix-id">{signedInAs}</strong>. Sign in again to continue.
        </p>
      ) : (
        <p className="muted">{serverName}</p>
      )}
      {mode === "create" ? <CreateHelp providers={providers.length > 0} /> : null}
      {error ? (
        <p className="message error" role="alert">
          {error}
        </p>
      ) : null}
      {providers.length > 0 ? (
        <ul className="idp-list">
          {providers.map((provider) => (
            <li key={provider.id}>
              <a className="idp-button" href={provider.href}>
                {provider.iconUrl ? <img src={provider.iconUrl} alt="" width={32} height={32} /> : null}
                <span>
                  {verb} with {provider.name}
                </span>
              </a>
            </li>
          ))}
        </ul>
      ) : null}
      {passwordForm && mode !== "create" ? (
        <form method="post" action="/sign-in" className="sign-in-password">
          {providers.length > 0 ? <p className="muted separator">or sign in with your password</p> : null}
          <Hidden carry={carry} />
          <label htmlFor="username">Username</label>
          <input
            id="username"
            name="username"
            type="text"
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            required
            defaultValue={username}
            placeholder={`alice or @alice:${serverName}`}
          />
          <label htmlFor="password">Password</label>
          <input id="password" name="password" type="password" autoComplete="current-password" required />
          <button type="submit">Sign in</button>
        </form>
      ) : null}
      {!passwordForm && providers.length === 0 ? <p>This server offers no way to sign in here. Ask its administrator.</p> : null}
      {mode === "create" && passwordForm ? (
        <p className="secondary-link">
          <a href={`/sign-in?${new URLSearchParams({ next: carry.next ?? "/account" })}`}>I already have an account</a>
        </p>
      ) : null}
    </Document>
  );
}

function CreateHelp({ providers }: { providers: boolean }) {
  // This service has no password registration: accounts come from an IdP's first sign-in (where the
  // person picks their username), or from the server's administrator.
  return providers ? (
    <p>
      Your account is created the first time you sign in with one of these providers: you choose your username then. If you already have
      an account, the same buttons sign you in.
    </p>
  ) : (
    <p>Accounts on this server are created by its administrator: ask them for one, then sign in.</p>
  );
}

/**
 * A page that sends the browser on by itself (the Refresh header) with a link for when it does not.
 * Used where a redirect would continue a form submission off this site: browsers hold every
 * redirect after a form POST to the page's CSP form-action ('self'), so a chain that ends at an IdP
 * or at an OAuth client's redirect_uri would be blocked. A fresh navigation is not.
 */
export function ContinueView({ theme, title, text, href, label }: { theme: Theme; title: string; text: string; href: string; label: string }) {
  return (
    <Document title={title} theme={theme}>
      <h1>{title}</h1>
      <p>{text}</p>
      <a className="button" href={href}>
        {label}
      </a>
    </Document>
  );
}
