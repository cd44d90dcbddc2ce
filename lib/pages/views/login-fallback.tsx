// The login fallback page (spec: "Login fallback"; Synapse's synapse/static/client/login): a
// password form and one button per IdP. /login-fallback.js logs in through the client-server API
// and hands the result to the embedding client via window.onLogin; an SSO login comes back here
// with a loginToken, which the script exchanges the same way.
import type { Theme } from "../../theme/theme-schema";
import { Document } from "./document";

export interface LoginFallbackProps {
  theme: Theme;
  serverName: string;
  providers: { id: string; name: string; href: string; iconUrl?: string }[];
  passwordLogin: boolean;
}

export function LoginFallbackView({ theme, serverName, providers, passwordLogin }: LoginFallbackProps) {
  return (
    <Document title="Log in" theme={theme} scripts={["/login-fallback.js"]}>
      <h1>Log in to {serverName}</h1>
      {providers.length > 0 ? (
        <ul className="idp-list" id="sso-buttons">
          {providers.map((provider) => (
            <li key={provider.id}>
              <a className="idp-button" href={provider.href}>
                {provider.iconUrl ? <img src={provider.iconUrl} alt="" width={32} height={32} /> : null}
                <span>Continue with {provider.name}</span>
              </a>
            </li>
          ))}
        </ul>
      ) : null}
      {passwordLogin ? (
        <form id="password-form" data-server-name={serverName}>
          {providers.length > 0 ? <p className="muted separator">or log in with your password</p> : null}
          <label htmlFor="username">Username</label>
          <input id="username" name="username" type="text" autoComplete="username" autoCapitalize="none" spellCheck={false} required placeholder={`alice or @alice:${serverName}`} />
          <label htmlFor="password">Password</label>
          <input id="password" name="password" type="password" autoComplete="current-password" required />
          <button type="submit">Log in</button>
        </form>
      ) : null}
      <p id="login-status" className="message" role="status" aria-live="polite"></p>
      <noscript>
        <p>This page needs JavaScript to log in.</p>
      </noscript>
    </Document>
  );
}
