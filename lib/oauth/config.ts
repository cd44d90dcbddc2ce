// The `oauth_server` section of homeserver.yaml: the Matrix OAuth 2.0 API (MSC2964–MSC2967, Matrix
// v1.15) that this service serves itself, on by default with the issuer at public_baseurl.
import { z } from "zod";
import { durationMs } from "../config/duration";

const registrationRateLimit = z
  .object({
    per_second: z.number().positive().default(0.05),
    burst_count: z.number().int().positive().default(10),
  })
  .default({ per_second: 0.05, burst_count: 10 });

/** Guesses of a device grant's user code: 20 a minute per address (a person mistypes a few times). */
const deviceCodeVerificationRateLimit = z
  .object({
    per_second: z.number().positive().default(1 / 3),
    burst_count: z.number().int().positive().default(20),
  })
  .default({ per_second: 1 / 3, burst_count: 20 });

export const oauthServerSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Access tokens are short-lived: clients refresh them (MAS's default is 5 minutes too). */
    access_token_lifetime: durationMs.refine((ms) => ms >= 10_000, "must be at least 10s").default(300_000),
    /** How long an unused refresh token stays valid; each refresh starts the period again. */
    refresh_token_lifetime: durationMs.refine((ms) => ms >= 60_000, "must be at least 1m").default(90 * 86_400_000),
    /** Authorization codes are exchanged within seconds by a working client. */
    authorization_code_lifetime: durationMs.refine((ms) => ms >= 10_000, "must be at least 10s").default(60_000),
    /** Dynamic client registrations per client address (RFC 7591 registration is open to anyone). */
    rc_client_registration: registrationRateLimit,
    /** Code entries and confirmations at /oauth2/device per client address: user codes are short. */
    rc_device_code_verification: deviceCodeVerificationRateLimit,
    /**
     * Development only: accept `http://localhost`, `http://127.0.0.1` and `http://[::1]` as a
     * client_uri (and web redirect URIs under it). The Matrix spec requires https.
     */
    allow_insecure_loopback_clients: z.boolean().default(false),
  })
  .default({
    enabled: true,
    access_token_lifetime: 300_000,
    refresh_token_lifetime: 90 * 86_400_000,
    authorization_code_lifetime: 60_000,
    rc_client_registration: { per_second: 0.05, burst_count: 10 },
    rc_device_code_verification: { per_second: 1 / 3, burst_count: 20 },
    allow_insecure_loopback_clients: false,
  });

export type OAuthServerConfig = z.output<typeof oauthServerSchema>;
