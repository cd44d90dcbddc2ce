// The OAuth 2.0 provider's pages, themed like the other sign-in pages: the consent page, and the
// error page for a request that cannot be answered with a redirect (unknown client, unregistered
// redirect URI) — a client with a redirect URI it never registered gets no redirect, only this.
import { createElement } from "react";
import { logger } from "../logging/logger";
import { htmlResponse } from "../pages/html-response";
import { SsoErrorView } from "../pages/views/sso-error";
import { activeTheme } from "../theme/theme-store";
import { ConsentView, type ConsentViewProps } from "./views/consent";

/** The error page; internal errors are logged with their cause and shown as a generic sentence. */
/** `forPerson`: the description is already a sentence for the person, not the protocol's words. */
export async function oauthErrorPage(error: string, description: string, cause?: unknown, { forPerson = false } = {}): Promise<Response> {
  const serverError = error === "server_error";
  if (serverError) logger.error("OAuth 2.0 provider error", cause);
  const { theme } = await activeTheme();
  const element = createElement(SsoErrorView, {
    theme,
    error,
    heading: "This sign-in request cannot be completed",
    description: serverError
      ? "Something went wrong on our side. Please try again later."
      : forPerson
        ? description
        : `The app that sent you here made a request this server cannot answer. Go back to the app and try again; if it keeps happening, tell the app's developers: ${description} (${error}).`,
  });
  return htmlResponse(element, { status: serverError ? 500 : 400 });
}

/**
 * `redirectUri`: where the Allow/Cancel answer ends up. Browsers apply the page's form-action to
 * the redirects that follow a form post, so the client's origin (or private-use scheme) is allowed.
 */
export async function consentPage(props: Omit<ConsentViewProps, "theme">, redirectUri: string | undefined): Promise<Response> {
  const { theme } = await activeTheme();
  return htmlResponse(createElement(ConsentView, { ...props, theme }), { formActions: formActionSource(redirectUri) });
}

function formActionSource(redirectUri: string | undefined): string[] {
  if (!redirectUri) return [];
  try {
    const url = new URL(redirectUri);
    if (url.protocol === "http:" || url.protocol === "https:") return [url.origin];
    return /^[a-z][a-z0-9+.-]*:$/i.test(url.protocol) ? [url.protocol] : [];
  } catch {
    return [];
  }
}
