// Example OIDC mapping provider: the Matrix localpart comes from the email address the identity
// provider gives (john.smith@example.org → @john.smith:your.server; john.smith1, john.smith2… if
// taken). Use it from homeserver.yaml:
//
//   oidc_providers:
//     - idp_id: corp
//       # …issuer, client_id, client_secret…
//       user_mapping_provider:
//         module: ./examples/email-localpart-mapper.ts   # relative to homeserver.yaml
//         config:
//           allowed_domains: [example.org]               # optional: refuse other domains
//           unverified_email_redirect: https://example.org/verify   # optional
//
// Options: email_claim (default "email"), display_name_claim (default "name"), allowed_domains
// (list), unverified_email_redirect (URL: people whose email_verified claim is false are sent
// there, with the address in a cookie, instead of getting an account), confirm_localpart (bool:
// let people change the proposed name on the username picker).
import {
  MappingError,
  RedirectError,
  type ModuleApi,
  type ModuleConfig,
  type OidcMappingProvider,
  type OidcMappingProviderModule,
  type OidcTokenSet,
  type OidcUserinfo,
  type UserAttributes,
} from "../lib/modules";

export interface EmailMapperConfig {
  emailClaim: string;
  displayNameClaim: string;
  allowedDomains: string[] | null;
  unverifiedEmailRedirect: string | null;
  confirmLocalpart: boolean;
}

const OPTIONS = new Set(["email_claim", "display_name_claim", "allowed_domains", "unverified_email_redirect", "confirm_localpart"]);

/** The part before the last "@", lower-cased, with what a localpart may not hold replaced by "-". */
export function localpartFromEmail(email: string): string | null {
  const local = email.slice(0, email.lastIndexOf("@")).toLowerCase();
  const localpart = local.replace(/[^a-z0-9._=\-/+]/g, "-").replace(/^_+/, "");
  return localpart === "" ? null : localpart;
}

export default class EmailLocalpartMapper implements OidcMappingProvider {
  /** Runs once at start-up; what it throws stops start-up with this message and the config key. */
  static parseConfig(config: ModuleConfig): EmailMapperConfig {
    for (const key of Object.keys(config)) {
      if (!OPTIONS.has(key)) throw new Error(`unknown option '${key}' (known: ${[...OPTIONS].join(", ")})`);
    }
    const string = (key: string, fallback: string) => {
      const value = config[key] ?? fallback;
      if (typeof value !== "string" || value === "") throw new Error(`${key} must be a non-empty string`);
      return value;
    };
    const domains = config.allowed_domains ?? null;
    if (domains !== null && (!Array.isArray(domains) || domains.some((domain) => typeof domain !== "string"))) {
      throw new Error("allowed_domains must be a list of domain names");
    }
    const redirect = config.unverified_email_redirect ?? null;
    if (redirect !== null && (typeof redirect !== "string" || !URL.canParse(redirect))) {
      throw new Error("unverified_email_redirect must be a URL");
    }
    const confirm = config.confirm_localpart ?? false;
    if (typeof confirm !== "boolean") throw new Error("confirm_localpart must be true or false");
    return {
      emailClaim: string("email_claim", "email"),
      displayNameClaim: string("display_name_claim", "name"),
      allowedDomains: domains === null ? null : (domains as string[]).map((domain) => domain.toLowerCase()),
      unverifiedEmailRedirect: redirect as string | null,
      confirmLocalpart: confirm,
    };
  }

  constructor(
    private readonly config: EmailMapperConfig,
    private readonly api: ModuleApi,
  ) {}

  getRemoteUserId(userinfo: OidcUserinfo): string {
    const sub = userinfo.sub;
    if (typeof sub === "number") return String(sub);
    if (typeof sub !== "string" || sub === "") throw new MappingError("The identity provider did not say who you are.");
    return sub;
  }

  private emailOf(userinfo: OidcUserinfo): string {
    const email = userinfo[this.config.emailClaim];
    if (typeof email !== "string" || !email.includes("@")) {
      throw new MappingError("Your identity provider did not share an email address, which this server needs to create your account.");
    }
    return email.trim();
  }

  mapUserAttributes(userinfo: OidcUserinfo, _token: OidcTokenSet, failures: number): UserAttributes {
    const email = this.emailOf(userinfo);
    const domain = email.slice(email.lastIndexOf("@") + 1).toLowerCase();
    if (this.config.allowedDomains && !this.config.allowedDomains.includes(domain)) {
      this.api.logger.info(`refused a sign-in from ${domain}`);
      throw new MappingError(`Accounts from ${domain} cannot sign in here.`);
    }
    if (this.config.unverifiedEmailRedirect && userinfo.email_verified === false) {
      // Extra questions: the module's own page takes over (and must bring the person back itself).
      const target = new URL(this.config.unverifiedEmailRedirect);
      target.searchParams.set("email", email);
      throw new RedirectError(target.toString(), [
        `email_mapper_pending=${encodeURIComponent(email)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=600`,
      ]);
    }
    let localpart = localpartFromEmail(email);
    // john.smith is taken: try john.smith1, john.smith2… (the service calls again with failures + 1).
    if (localpart !== null && failures > 0) localpart += String(failures);
    const name = userinfo[this.config.displayNameClaim];
    const picture = userinfo.picture;
    return {
      localpart,
      displayName: typeof name === "string" && name.trim() !== "" ? name.trim() : null,
      emails: [email],
      picture: typeof picture === "string" ? picture : null,
      confirmLocalpart: this.config.confirmLocalpart,
    };
  }

  /** Merged into the client's /login response (namespaced so as never to shadow a standard field). */
  getExtraAttributes(userinfo: OidcUserinfo): Record<string, unknown> {
    const email = userinfo[this.config.emailClaim];
    if (typeof email !== "string" || !email.includes("@")) return {};
    return { "com.example.email_domain": email.slice(email.lastIndexOf("@") + 1).toLowerCase() };
  }
}

// Type-checks the static side too (parseConfig and the constructor's parameters).
EmailLocalpartMapper satisfies OidcMappingProviderModule<EmailMapperConfig>;
