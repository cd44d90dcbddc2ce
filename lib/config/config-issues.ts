// The one way a zod failure in homeserver.yaml is put into words, for the whole file and for each
// section parsed on its own (SSO providers, mapping provider config, user_consent, listeners): a
// line per issue naming the full key, so the admin finds it in the file, and what was wrong with it.
import type { z } from "zod";

export interface ConfigIssueOptions {
  /** Where the validated value sits in homeserver.yaml, e.g. "oidc_providers.0". */
  prefix?: string;
  /** The value that was validated: each line then also says what was found at the key. */
  found?: unknown;
  /** Only the first issue (for messages that must stay one line). */
  firstOnly?: boolean;
}

function describeValue(raw: unknown, keyPath: readonly PropertyKey[]): string {
  let value: unknown = raw;
  for (const key of keyPath) {
    if (value === null || typeof value !== "object") return "nothing";
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export interface ConfigIssue {
  /** The full key, e.g. "oidc_providers.0.client_id", or "(top level)". */
  key: string;
  /** What was wrong, and (with `found`) what was found there: `message (found: "x")`. */
  problem: string;
}

export function configIssues(error: z.ZodError, options: ConfigIssueOptions = {}): ConfigIssue[] {
  const issues = options.firstOnly ? error.issues.slice(0, 1) : error.issues;
  return issues.map((issue) => ({
    key: [...(options.prefix ? [options.prefix] : []), ...issue.path.map(String)].join(".") || "(top level)",
    problem: "found" in options ? `${issue.message} (found: ${describeValue(options.found, issue.path)})` : issue.message,
  }));
}

/** One line per issue: `key: problem`. */
export function configIssueLines(error: z.ZodError, options: ConfigIssueOptions = {}): string[] {
  return configIssues(error, options).map(({ key, problem }) => `${key}: ${problem}`);
}
