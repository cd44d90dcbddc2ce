// The `web_sessions` and `account_management` sections of homeserver.yaml (ours, not Synapse's):
// how long a browser stays signed in to this service's own pages (/sign-in, /account, the OAuth
// authorization step), how recent a sign-in must be for a sensitive action, and whether people may
// link further IdPs to their account themselves. Validated with the rest of the config at start-up.
import { z } from "zod";
import { durationMs } from "../config/duration";

export const webSessionsSchema = z
  .object({
    /** How long a browser stays signed in after a sign-in (use does not extend it). */
    lifetime: durationMs.refine((ms) => ms >= 60_000, "must be at least 1m").default(7 * 86_400_000),
    /** How long after proving who they are a person may sign out other sessions, unlink or deactivate. */
    reauthentication_window: durationMs.refine((ms) => ms >= 10_000, "must be at least 10s").default(5 * 60_000),
  })
  .strict()
  .default({ lifetime: 7 * 86_400_000, reauthentication_window: 5 * 60_000 });

export const accountManagementSchema = z
  .object({
    /** "Link another sign-in method" on the account page; false: only an admin links identities. */
    allow_identity_linking: z.boolean().default(true),
  })
  .strict()
  .default({ allow_identity_linking: true });
