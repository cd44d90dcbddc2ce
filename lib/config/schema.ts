// The homeserver.yaml schema: keys and meanings follow Synapse's, so a Synapse config loads.
// Only the keys this service acts on are described; any other top-level key is accepted and
// reported once at start-up (see load-config.ts).
import { z } from "zod";
import { durationMs } from "./duration";
import { oauthServerSchema } from "../oauth/config";
import { accountManagementSchema, webSessionsSchema } from "../web-session/config-schema";
import { isPublishedSampleSecret, SAMPLE_SECRET_MESSAGE } from "./secrets";

const rateLimit = (perSecond: number, burstCount: number) =>
  z
    .object({
      per_second: z.number().positive().default(perSecond),
      burst_count: z.number().int().positive().default(burstCount),
    })
    .default({ per_second: perSecond, burst_count: burstCount });

const publicBaseUrl = z
  .url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" })
  .refine((url) => !url.includes("?") && !url.includes("#"), "must not have a query or fragment")
  .transform((url) => (url.endsWith("/") ? url : `${url}/`));

const passwordPolicy = z
  .object({
    enabled: z.boolean().default(false),
    minimum_length: z.number().int().nonnegative().default(0),
    require_digit: z.boolean().default(false),
    require_symbol: z.boolean().default(false),
    require_lowercase: z.boolean().default(false),
    require_uppercase: z.boolean().default(false),
  })
  .default({
    enabled: false,
    minimum_length: 0,
    require_digit: false,
    require_symbol: false,
    require_lowercase: false,
    require_uppercase: false,
  });

/** The SSO sections; their inner shape is validated by the SSO modules that read them. */
/** macaroon_secret_key, form_secret: long enough, and not a value anyone can read in this repository. */
const homeserverSecret = z
  .string()
  .min(16, "must be at least 16 characters")
  .refine((value) => !isPublishedSampleSecret(value), SAMPLE_SECRET_MESSAGE);

const ssoSection = z.record(z.string(), z.unknown());

/** An extension module entry (`modules`, `password_providers`): see lib/modules and the README. */
const moduleEntry = z
  .object({
    module: z
      .string({ error: "is required: a path relative to this config file, or a package name" })
      .min(1, "is required: a path relative to this config file, or a package name"),
    config: z.record(z.string(), z.unknown(), { error: "must be a mapping of the module's options" }).nullish(),
  }, { error: "must be a mapping with `module` and `config`" })
  .passthrough();

export const homeserverConfigSchema = z
  .object({
    server_name: z
      .string({ error: "is required: the domain part of every Matrix ID, e.g. example.org" })
      .min(1)
      .regex(/^[A-Za-z0-9.:[\]-]+$/, "must be a host name, optionally with a port"),
    public_baseurl: publicBaseUrl.optional(),
    password_config: z
      .object({
        enabled: z.union([z.boolean(), z.literal("only_for_reauth")]).default(true),
        localdb_enabled: z.boolean().default(true),
        pepper: z.string().default(""),
        policy: passwordPolicy,
      })
      .default({ enabled: true, localdb_enabled: true, pepper: "", policy: passwordPolicy.parse(undefined) }),
    bcrypt_rounds: z.number().int().min(4).max(31).default(12),
    login_via_existing_session: z
      .object({
        enabled: z.boolean().default(false),
        require_ui_auth: z.boolean().default(true),
        token_timeout: durationMs.default(300_000),
      })
      .default({ enabled: false, require_ui_auth: true, token_timeout: 300_000 }),
    ui_auth: z
      .object({ session_timeout: durationMs.default(0) })
      .default({ session_timeout: 0 }),
    rc_login: z
      .object({
        address: rateLimit(0.003, 5),
        account: rateLimit(0.003, 5),
        failed_attempts: rateLimit(0.17, 3),
      })
      .default({
        address: { per_second: 0.003, burst_count: 5 },
        account: { per_second: 0.003, burst_count: 5 },
        failed_attempts: { per_second: 0.17, burst_count: 3 },
      }),
    /**
     * Not in Synapse (its availability check is unlimited): the username picker's live check, per
     * sign-up session. The default is never met by a person typing (the page checks once per pause)
     * and keeps one session from enumerating the server's account names.
     */
    rc_username_availability: rateLimit(2, 50),
    macaroon_secret_key: homeserverSecret.optional(),
    form_secret: homeserverSecret.optional(),
    session_lifetime: durationMs.nullable().default(null),
    refreshable_access_token_lifetime: durationMs.nullable().default(300_000),
    refresh_token_lifetime: durationMs.nullable().default(null),
    nonrefreshable_access_token_lifetime: durationMs.nullable().default(null),
    /** Not in Synapse (fixed at 2 minutes there); kept configurable as the issue asks. */
    login_token_lifetime: durationMs.default(120_000),
    serve_client_wellknown: z.boolean().default(false),
    /** Merged into /.well-known/matrix/client; keys the service sets itself (m.homeserver) win. */
    extra_well_known_client_content: z.record(z.string(), z.unknown()).nullable().optional(),
    max_request_body_size: z.number().int().positive().default(64 * 1024),
    /**
     * Ours: how many server processes share the listening port (node:cluster). One event loop
     * serves about one core; more processes use more cores and more memory (see BENCHMARKS.md).
     */
    worker_processes: z.number().int().min(1).max(64).default(1),
    allow_underscore_prefixed_localpart: z.boolean().default(false),
    /** Ours: `json` writes every log line, the access log included, as one JSON object. */
    log_format: z.enum(["text", "json"]).default("text"),
    /** Synapse's: serve Prometheus metrics on the `listeners` entry of `type: metrics` (lib/metrics). */
    enable_metrics: z.boolean().default(false),
    /**
     * Ours: how often expired login tokens, sign-up sessions, hand-offs, UI-auth sessions, SAML
     * request IDs and rate-limit buckets are deleted (lib/maintenance/state-purge.ts); also at start-up.
     */
    state_purge_interval: durationMs.refine((ms) => ms >= 1000, "must be at least 1s").default(300_000),
    oidc_providers: z.array(ssoSection).nullable().optional(),
    oidc_config: ssoSection.nullable().optional(),
    saml2_config: ssoSection.nullable().optional(),
    cas_config: ssoSection.nullable().optional(),
    sso: ssoSection.nullable().optional(),
    templates: ssoSection.nullable().optional(),
    /** Synapse's: the privacy policy and the consent step of new SSO accounts (lib/consent). */
    user_consent: z.record(z.string(), z.unknown()).nullable().optional(),
    /** Ours: the browser session of /sign-in and the account page (lib/web-session/config-schema.ts). */
    web_sessions: webSessionsSchema,
    account_management: accountManagementSchema,
    /** Ours: the Matrix OAuth 2.0 API (lib/oauth/config.ts; README "Element X and OAuth 2.0 clients"). */
    oauth_server: oauthServerSchema,
    modules: z.array(moduleEntry).nullable().optional(),
    password_providers: z.array(moduleEntry).nullable().optional(),
  })
  .passthrough();

type Parsed = z.output<typeof homeserverConfigSchema>;

/** The validated config, with derived values filled in. */
export type HomeserverConfig = Parsed & {
  public_baseurl: string;
  /** Secret for signing cookies and sealing state; from macaroon_secret_key/form_secret or generated. */
  signingSecret: string;
  /** Where the config file lives: module paths and template directories are relative to it. */
  configDir: string;
};

/** Keys of homeserver.yaml that this schema reads; everything else is a Synapse key we ignore. */
export const KNOWN_TOP_LEVEL_KEYS = new Set(Object.keys(homeserverConfigSchema.shape));
