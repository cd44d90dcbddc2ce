// One round of the concurrent-refresh test (oauth-api-tokens.test.ts in one process,
// oauth-refresh-race-workers.test.ts across worker processes): several token requests with one
// refresh token, started together, then what each answer's tokens are still good for.
import { expect } from "vitest";

export interface TokenAnswer {
  status: number;
  json: Record<string, unknown>;
}

/**
 * Sends `copies` refreshes of `token` at once and asserts the outcome a client may rely on: every
 * answer is 200 or invalid_grant, and of the 200s exactly one answer's access token and refresh
 * token both work while nothing of the others does. A request that overlapped the winner gets
 * invalid_grant; one that came after the winner had finished is a retry after a lost response,
 * which drops the winner's tokens and takes its place (lib/oauth/adapter.ts). Never none: a
 * duplicate taken for a replay revokes the winner's session; never two.
 */
export async function refreshAtOnce(
  label: string,
  token: string,
  refresh: (token: string) => Promise<TokenAnswer>,
  accessWorks: (accessToken: string) => Promise<boolean>,
  copies = 4,
): Promise<void> {
  const answers = await Promise.all(Array.from({ length: copies }, () => refresh(token)));
  const statuses = answers.map((answer) => (answer.status === 200 ? 200 : `${answer.status} ${String(answer.json.error)}`));
  expect({ label, statuses }).toEqual({ label, statuses: statuses.map(() => expect.toBeOneOf([200, "400 invalid_grant"])) });
  const issued = answers.filter((answer) => answer.status === 200).map(({ json }) => ({ access: json.access_token as string, refresh: json.refresh_token as string }));
  // The access tokens first: using one is harmless to the others, while a refresh rotates.
  const access: boolean[] = [];
  for (const pair of issued) access.push(await accessWorks(pair.access));
  const refreshed: boolean[] = [];
  for (const pair of issued) refreshed.push((await refresh(pair.refresh)).status === 200);
  const winners = issued.map((_, i) => access[i] && refreshed[i]);
  expect({ label, statuses, access, refreshed }).toEqual({ label, statuses, access: winners, refreshed: winners });
  expect({ label, statuses, working: winners.filter(Boolean).length }).toEqual({ label, statuses, working: 1 });
}
