// Sample data for the theme editor's live preview: every themed page, rendered by the same
// components as the real pages.
import type { Theme } from "../theme/theme-schema";
import { renderSsoElement, type SsoPageKind } from "../pages/sso-pages";

export const PREVIEW_PAGES = [
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

const server = "example.org";
const idp = { idp_id: "oidc-corp", idp_name: "Example SSO" };

function accountDetails(localpart: string, message?: string, notice?: string) {
  return {
    serverName: server,
    idpName: "Example SSO",
    idp,
    localpart,
    displayName: "Alice Liddell",
    emails: ["alice@example.org"],
    error: message,
    notice,
  };
}

export function previewElement(page: PreviewPage, theme: Theme) {
  const render = <K extends SsoPageKind>(kind: K, props: Parameters<typeof renderSsoElement<K>>[1]) => renderSsoElement(kind, props, theme);
  switch (page) {
    case "idp_picker":
      return render("idp_picker", {
        serverName: server,
        redirectUrl: "https://app.example.org/",
        providers: [
          { id: "oidc-corp", name: "Example SSO" },
          { id: "oidc-github", name: "GitHub" },
        ],
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
        providers: [{ name: "Example SSO", externalId: "alice@corp", href: "#" }],
      });
    case "auth_success":
      return render("auth_success", {});
    case "bad_user":
      return render("bad_user", { serverName: server, expectedUserId: `@alice:${server}` });
    case "account_deactivated":
      return render("account_deactivated", {});
  }
}
