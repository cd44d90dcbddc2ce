// Unlinking sign-in methods on the account page (POST /account, op=unlink) when the requests come
// at the same time — two tabs, a double submit: the page refuses to remove the last way to sign in,
// and that must hold however the requests interleave, or both of the last two links go and the
// account is locked out. Run on both databases, through the route module Next.js serves for /account
// (app/account/route.ts), in this process against a real database (no build needed).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET, POST } from "../../app/account/route";
import { startWebSession } from "../../lib/web-session";
import { BACKENDS, freshDatabaseUrl } from "../../test-support/backends";
import { startInProcessServer } from "../../test-support/in-process-server";
import type { RunningServer } from "../../test-support/server";
import { createUserDirectly, disconnectAll, useDatabase } from "../../test-support/users";

// Discovery is never reached here: the account page only names the configured IdPs.
const idp = (id: string, name: string) => ({
  idp_id: id,
  idp_name: name,
  issuer: `https://${id}.example/`,
  client_id: "homeserver",
  client_secret: `${id}-secret`,
  scopes: ["openid"],
  user_mapping_provider: { config: { localpart_template: "{{ user.sub }}" } },
});
const IDPS = ["corp", "social", "campus"];

describe.each(BACKENDS)("unlinking sign-in methods at the same time on %s", (backend) => {
  let server: RunningServer;
  let counter = 0;

  beforeAll(async () => {
    server = await startInProcessServer({
      databaseUrl: await freshDatabaseUrl(backend),
      config: { oidc_providers: IDPS.map((id) => idp(id, `${id} login`)) },
    });
  });

  afterAll(async () => {
    await server?.stop();
    await disconnectAll();
  });

  /** A person without a password, linked to the given IdPs, signed in to the account page; its form token. */
  async function personWithLinks(idps: string[]) {
    const localpart = `racer${++counter}`;
    const userId = await createUserDirectly(server.databaseUrl, { localpart });
    const database = useDatabase(server.databaseUrl);
    for (const id of idps) await database.userExternalId.create({ data: { authProvider: `oidc-${id}`, externalId: `${id}-${localpart}`, userId } });
    const { cookie } = await startWebSession(userId, `oidc-${idps[0]}`, null);
    const sessionCookie = cookie.split(";")[0];
    const page = await GET(new Request(`${server.baseUrl}/account`, { headers: { cookie: sessionCookie } }));
    const html = await page.text();
    expect(html).toContain(`${idps[0]}-${localpart}`);
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1];
    return { userId, localpart, sessionCookie, csrf };
  }

  function unlink(person: { sessionCookie: string; csrf: string; localpart: string }, id: string): Promise<Response> {
    return POST(
      new Request(`${server.baseUrl}/account`, {
        method: "POST",
        headers: { cookie: person.sessionCookie, "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "same-origin" },
        body: new URLSearchParams({ csrf: person.csrf, op: "unlink", idp: `oidc-${id}`, external_id: `${id}-${person.localpart}` }).toString(),
      }),
    );
  }

  const linksOf = (userId: string) => useDatabase(server.databaseUrl).userExternalId.count({ where: { userId } });

  it("of the last two: one is unlinked, the other refused as the last way to sign in", async () => {
    for (let round = 0; round < 4; round++) {
      const person = await personWithLinks(["corp", "social"]);
      const answers = await Promise.all([unlink(person, "corp"), unlink(person, "social")]);
      const notices = answers.map((answer) => answer.headers.get("location")).sort();
      expect(notices).toEqual(["/account?notice=last_method", "/account?notice=unlinked"]);
      expect(await linksOf(person.userId)).toBe(1);
    }
  });

  it("of the last three: two are unlinked, one refused, one way to sign in is left", async () => {
    const person = await personWithLinks(IDPS);
    const answers = await Promise.all(IDPS.map((id) => unlink(person, id)));
    const notices = answers.map((answer) => answer.headers.get("location")).sort();
    expect(notices).toEqual(["/account?notice=last_method", "/account?notice=unlinked", "/account?notice=unlinked"]);
    expect(await linksOf(person.userId)).toBe(1);
  });

  it("the same link twice at once: unlinked once, the other told it is not linked any more", async () => {
    const person = await personWithLinks(["corp", "social"]);
    const answers = await Promise.all([unlink(person, "corp"), unlink(person, "corp")]);
    const notices = answers.map((answer) => answer.headers.get("location")).sort();
    expect(notices).toEqual(["/account?notice=no_such_link", "/account?notice=unlinked"]);
    expect(await linksOf(person.userId)).toBe(1);
  });
});
