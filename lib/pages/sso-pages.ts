// Every page of the SSO and UI-auth flows, by kind: the built-in React view, themed with the
// active theme, or the admin's Synapse-style template override with the variables Synapse passes.
// Route handlers answer through renderSsoPage; the admin console previews through previewSsoPage.
import { createElement, type ComponentType } from "react";
import { getConfig } from "../config/load-config";
import type { HomeserverConfig } from "../config/schema";
import { activeTheme } from "../theme/theme-store";
import type { Theme } from "../theme/theme-schema";
import { htmlDocumentResponse, htmlResponse, type HtmlInit } from "./html-response";
import { AccountDetailsView, type AccountDetailsProps } from "./views/account-details";
import { IdpPickerView, type IdpPickerProps } from "./views/idp-picker";
import { NewUserConsentView, type NewUserConsentProps } from "./views/new-user-consent";
import { RedirectConfirmView, type RedirectConfirmProps } from "./views/redirect-confirm";
import { AccountDeactivatedView, SsoErrorView, type SsoErrorProps } from "./views/sso-error";
import { AuthBadUserView, AuthSuccessView, PasswordFallbackView, UiAuthConfirmView, type UiAuthConfirmProps } from "./views/ui-auth";
import { renderOverride } from "./template-overrides";

type WithoutTheme<P> = Omit<P, "theme">;

interface PageProps {
  idp_picker: WithoutTheme<IdpPickerProps> & { providerDetails: { idp_id: string; idp_name: string; idp_icon?: string; idp_brand?: string }[] };
  account_details: WithoutTheme<AccountDetailsProps> & { idp: { idp_id: string; idp_name: string; idp_icon?: string; idp_brand?: string } };
  redirect_confirm: WithoutTheme<RedirectConfirmProps>;
  new_user_consent: WithoutTheme<NewUserConsentProps>;
  sso_error: WithoutTheme<SsoErrorProps>;
  auth_confirm: WithoutTheme<UiAuthConfirmProps> & { idp?: { idp_id: string; idp_name: string; idp_icon?: string; idp_brand?: string } };
  auth_success: Record<string, never>;
  bad_user: { serverName: string; expectedUserId: string };
  account_deactivated: Record<string, never>;
  password_fallback: { userId: string; description: string; error?: string };
}

export type SsoPageKind = keyof PageProps;

interface PageDefinition<P> {
  view: ComponentType<P & { theme: Theme }>;
  /** Synapse's template for this page, when it has one. */
  template?: string;
  /** The variables Synapse passes to that template. */
  variables?: (props: P, config: HomeserverConfig) => Record<string, unknown>;
}

const PAGES: { [K in SsoPageKind]: PageDefinition<PageProps[K]> } = {
  idp_picker: {
    view: IdpPickerView as ComponentType<PageProps["idp_picker"] & { theme: Theme }>,
    template: "sso_login_idp_picker.html",
    variables: (props) => ({ redirect_url: props.redirectUrl, server_name: props.serverName, providers: props.providerDetails }),
  },
  account_details: {
    view: AccountDetailsView as ComponentType<PageProps["account_details"] & { theme: Theme }>,
    template: "sso_auth_account_details.html",
    variables: (props) => ({
      idp: props.idp,
      user_attributes: { display_name: props.displayName ?? null, emails: props.emails, localpart: props.localpart, avatar_url: null },
      error: props.error ?? null,
    }),
  },
  redirect_confirm: {
    view: RedirectConfirmView,
    template: "sso_redirect_confirm.html",
    // Synapse's template links to redirect_url; here that is the confirm endpoint, which hands the
    // login token over (GET only from our own pages; see handoff.ts).
    variables: (props, config) => ({
      redirect_url: props.linkAction ?? props.action,
      display_url: props.displayUrl,
      server_name: config.server_name,
      new_user: props.newUser,
      user_id: props.userId,
      user_profile: { display_name: props.displayName ?? null, avatar_url: null },
    }),
  },
  new_user_consent: {
    view: NewUserConsentView,
    template: "sso_new_user_consent.html",
    // Synapse's template posts to my_url, which it never passes (so the form posts to itself).
    variables: (props, config) => ({
      user_id: props.userId,
      user_profile: { display_name: props.displayName ?? null, avatar_url: null },
      consent_version: props.consentVersion,
      terms_url: props.termsUrl,
      server_name: config.server_name,
    }),
  },
  sso_error: {
    view: SsoErrorView,
    template: "sso_error.html",
    variables: (props) => ({ error: props.error, error_description: props.description }),
  },
  auth_confirm: {
    view: UiAuthConfirmView as ComponentType<PageProps["auth_confirm"] & { theme: Theme }>,
    template: "sso_auth_confirm.html",
    variables: (props) => ({ description: props.description, redirect_url: props.providers[0]?.href ?? "", idp: props.idp ?? null }),
  },
  auth_success: { view: AuthSuccessView, template: "sso_auth_success.html", variables: () => ({}) },
  bad_user: {
    view: AuthBadUserView,
    template: "sso_auth_bad_user.html",
    variables: (props) => ({ server_name: props.serverName, user_id_to_verify: props.expectedUserId }),
  },
  account_deactivated: { view: AccountDeactivatedView, template: "sso_account_deactivated.html", variables: () => ({}) },
  password_fallback: { view: PasswordFallbackView },
};

export function renderSsoElement<K extends SsoPageKind>(kind: K, props: PageProps[K], theme: Theme) {
  const page = PAGES[kind] as PageDefinition<PageProps[K]>;
  return createElement(page.view as ComponentType<Record<string, unknown>>, { ...(props as Record<string, unknown>), theme });
}

export async function renderSsoPage<K extends SsoPageKind>(kind: K, props: PageProps[K], init: HtmlInit = {}): Promise<Response> {
  const config = getConfig();
  const page = PAGES[kind] as PageDefinition<PageProps[K]>;
  if (page.template && page.variables) {
    const html = renderOverride(config, page.template, page.variables(props, config));
    if (html !== null) return htmlDocumentResponse(html, init);
  }
  const { theme } = await activeTheme();
  return htmlResponse(renderSsoElement(kind, props, theme), init);
}
