// Sample data for the theme editor's live preview: every themed page, rendered by the same
// components as the real pages, with this server's name and its configured identity providers
// (only the person — Alice — is made up).
import type { HomeserverConfig } from "../config/schema";
import { homeElement, loginFallbackElement } from "../pages/landing-pages";
import { renderSsoElement, type SsoPageKind } from "../pages/sso-pages";
import { SignedInView } from "../pages/views/home";
import { identityProviders, iconUrlOf } from "../sso/registry";
import type { Theme } from "../theme/theme-schema";
import { createElement } from "react";

export const PREVIEW_PAGES = [
  { id: "home", label: "Start page" },
  { id: "login_fallback", label: "Log-in page (login fallback)" },
  { id: "signed_in", label: "Signed-in page" },
  { id: "idp_picker", label: "Identity provider picker" },
  { id: "account_details", label: "Username picker" },
  { id: "account_details_available", label: "Username picker: name available" },
  { id: "account_details_taken", label: "Username picker: name taken" },
  { id: "account_details_invalid", label: "Username picker: name invalid" },
  { id: "redirect_confirm", label: "Redirect confirmation" },
  { id: "new_user_consent", label: "New-user consent" },
  { id: "sso_error", label: "SSO error" },
  { id: "auth_confirm", label: "Re-authentication (UI auth) confirmation" },
  { id: "auth_success", label: "Re-authentication success" },
  { id: "bad_user", label: "Re-authentication: wrong user" },
  { id: "account_deactivated", label: "Account deactivated" },
] as const;

export type PreviewPage = (typeof PREVIEW_PAGES)[number]["id"];

export function isPreviewPage(value: string): value is PreviewPage {
  return PREVIEW_PAGES.some((page) => page.id === value);
}

/** A stand-in for when no identity provider is configured (the SSO pages are then never shown). */
const NO_IDP = { id: "sso", name: "your identity provider", icon: undefined as string | undefined };

export function previewElement(page: PreviewPage, theme: Theme, config: HomeserverConfig) {
  const server = config.server_name;
  const providers = identityProviders(config);
  const first = providers[0] ?? NO_IDP;
  const idp = { idp_id: first.id, idp_name: first.name };
  const accountDetails = (localpart: string, message?: string, notice?: string) => ({
    serverName: server,
    idpName: first.name,
    idpIconUrl: iconUrlOf(first.icon, config, 24),
    idp,
    localpart,
    displayName: "Alice Liddell",
    emails: [`alice@${server}`],
    error: message,
    notice,
  });
  const render = <K extends SsoPageKind>(kind: K, props: Parameters<typeof renderSsoElement<K>>[1]) => renderSsoElement(kind, props, theme);
  switch (page) {
    case "home":
      return homeElement(theme, config);
    case "login_fallback":
      return loginFallbackElement(theme, config);
    case "signed_in":
      return createElement(SignedInView, { theme, userId: `@alice:${server}` });
    case "idp_picker":
      return render("idp_picker", {
        serverName: server,
        redirectUrl: "https://app.example.org/",
        providers: (providers.length > 0 ? providers : [NO_IDP]).map((provider) => ({
          id: provider.id,
          name: provider.name,
          iconUrl: iconUrlOf(provider.icon, config, 32),
        })),
        providerDetails: [],
      });
    case "account_details":
      return render("account_details", accountDetails("alice"));
    case "account_details_available":
      return render("account_details", accountDetails("alice.liddell", undefined, "alice.liddell is available."));
    case "account_details_taken":
      return render("account_details", accountDetails("alice", "alice is taken, please choose another."));
    case "account_details_invalid":
      return render("account_details", accountDetails("_alice", "User ID may not begin with _"));
    case "redirect_confirm":
      return render("redirect_confirm", { displayUrl: "app.example.org", userId: `@alice:${server}`, displayName: "Alice Liddell", newUser: true, action: "#" });
    case "new_user_consent":
      return render("new_user_consent", {
        userId: `@alice:${server}`,
        displayName: "Alice Liddell",
        consentVersion: "1.0",
        policyName: "Privacy Policy",
        termsUrl: "#",
        action: "#",
      });
    case "sso_error":
      return render("sso_error", { error: "mapping_error", description: "Something went wrong while mapping your account.", restartUrl: "#" });
    case "auth_confirm":
      return render("auth_confirm", {
        userId: `@alice:${server}`,
        description: "remove a device from your account",
        providers: [{ name: first.name, externalId: `alice@${server}`, href: "#" }],
      });
    case "auth_success":
      return render("auth_success", {});
    case "bad_user":
      return render("bad_user", { serverName: server, expectedUserId: `@alice:${server}` });
    case "account_deactivated":
      return render("account_deactivated", {});
  }
}
