// The fields of the forms the SSO pages post, as zod schemas read by browserFormFields
// (./browser-form.ts). Names as the pages (and Synapse's templates) spell them.
import { z } from "zod";

/** POST /_synapse/client/pick_username/account_details */
export const accountDetailsFormSchema = z.object({
  username: z.string(),
  // A checkbox: present ("true") when ticked.
  use_display_name: z
    .string()
    .optional()
    .transform((value) => value === "true"),
  // One checkbox per address the IdP vouched for.
  use_email: z.array(z.string()),
});

/** POST /_synapse/client/new_user_consent */
export const newUserConsentFormSchema = z.object({
  // The policy version the person agreed to; empty counts as missing.
  accepted_version: z.string().min(1),
});
