// The pages a person opens by hand rather than through a client: the root page, where its sign-in
// ends, and the login fallback page (spec: "Login fallback"), all themed like the SSO pages.
import { createElement } from "react";
import { passwordLoginEnabled } from "../auth/login";
import { peekLoginTokenUserId } from "../auth/login-tokens";
import { getConfig } from "../config/load-config";
import type { HomeserverConfig } from "../config/schema";
import type { Theme } from "../theme/theme-schema";
import { iconUrlOf, identityProviders } from "../sso/registry";
import { activeTheme } from "../theme/theme-store";
import { htmlResponse } from "./html-response";
import { HomeView, SignedInView } from "./views/home";
import { LoginFallbackView } from "./views/login-fallback";

export const SIGNED_IN_PATH = "/signed-in";
export const LOGIN_FALLBACK_PATH = "/_matrix/static/client/login";

/** A link that starts an SSO login at one IdP, coming back to `redirectUrl`. */
function ssoLoginLink(idpId: string, redirectUrl: string): string {
  return `/_matrix/client/v3/login/sso/redirect/${encodeURIComponent(idpId)}?${new URLSearchParams({ redirectUrl })}`;
}

function providerLinks(config: HomeserverConfig, redirectUrl: string) {
  return identityProviders(config).map((provider) => ({
    id: provider.id,
    name: provider.name,
    href: ssoLoginLink(provider.id, redirectUrl),
    iconUrl: iconUrlOf(provider.icon, config, 32),
  }));
}

/** The root page with a given theme (the admin's preview passes an unsaved one). */
export function homeElement(theme: Theme, config: HomeserverConfig) {
  return createElement(HomeView, {
    theme,
    serverName: config.server_name,
    publicBaseUrl: config.public_baseurl,
    // The end page is on sso.client_whitelist (lib/sso/config.ts): no confirm page for our own page.
    providers: providerLinks(config, `${config.public_baseurl}${SIGNED_IN_PATH.slice(1)}`),
    passwordLoginUrl: passwordLoginEnabled(config) ? LOGIN_FALLBACK_PATH : undefined,
  });
}

/** GET / */
export async function showHomePage(): Promise<Response> {
  const { theme } = await activeTheme();
  return htmlResponse(homeElement(theme, getConfig()));
}

/** GET /signed-in?loginToken= – says who signed in; the token is left for its two minutes to lapse. */
export async function showSignedInPage(request: Request): Promise<Response> {
  const token = new URL(request.url).searchParams.get("loginToken");
  const userId = token ? await peekLoginTokenUserId(token) : null;
  const { theme } = await activeTheme();
  return htmlResponse(createElement(SignedInView, { theme, userId }), { status: userId ? 200 : 400 });
}

/** The login fallback page with a given theme. */
export function loginFallbackElement(theme: Theme, config: HomeserverConfig) {
  return createElement(LoginFallbackView, {
    theme,
    serverName: config.server_name,
    // Back to this page, which finishes with m.login.token (public/login-fallback.js). Always on
    // the SSO whitelist, as in Synapse.
    providers: providerLinks(config, `${config.public_baseurl}${LOGIN_FALLBACK_PATH.slice(1)}`),
    passwordLogin: passwordLoginEnabled(config),
  });
}

/** GET /_matrix/static/client/login – the login fallback page, with the password form and the SSO buttons. */
export async function showLoginFallbackPage(): Promise<Response> {
  const { theme } = await activeTheme();
  return htmlResponse(loginFallbackElement(theme, getConfig()));
}
