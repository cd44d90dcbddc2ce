// A Next-Router-State-Tree header that Next.js cannot parse, on an RSC request to a page: Next threw
// while reading it and answered 500, a server error for a client's mistake; server.ts answers 400
// (lib/routing/router-state-guard.ts).
import { afterAll, beforeAll, expect, it } from "vitest";
import { startServer, type RunningServer } from "../test-support/server";

let server: RunningServer;

beforeAll(async () => {
  server = await startServer();
});

afterAll(async () => {
  await server?.stop();
});

const page = () => `${server.baseUrl}/admin/sign-in`;

/**
 * A GET of the page with these headers. Next.js answers an RSC request without its cache-busting
 * `_rsc` parameter with a redirect to the same URL with it: followed once, as Next's client router does.
 */
async function get(headers: Record<string, string>): Promise<Response> {
  const response = await fetch(page(), { headers, redirect: "manual" });
  const location = response.headers.get("location");
  if (response.status === 307 && location && new URL(location, page()).searchParams.has("_rsc")) {
    await response.arrayBuffer();
    return fetch(new URL(location, page()), { headers, redirect: "manual" });
  }
  return response;
}

it.each([
  ["a malformed percent-escape", "%E0%A4%A"],
  ["text that is not JSON", "not-json"],
  ["JSON of the wrong shape", encodeURIComponent(JSON.stringify({ children: "nope" }))],
  ["a tree with a segment of the wrong type", encodeURIComponent(JSON.stringify([42, {}]))],
])("answers an RSC request whose router state is %s with 400", async (_name, tree) => {
  const response = await get({ RSC: "1", "Next-Router-State-Tree": tree });
  expect(response.status).toBe(400);
  expect(await response.text()).toContain("Next-Router-State-Tree");
});

it("still answers an RSC request with a well-formed router state, and a plain request with a malformed one", async () => {
  const wellFormed = await get({ RSC: "1", "Next-Router-State-Tree": encodeURIComponent(JSON.stringify(["", { children: ["admin", {}] }])) });
  expect(wellFormed.status).toBe(200);
  await wellFormed.arrayBuffer();
  // Without RSC: 1 Next.js does not read the header, so nothing is refused.
  const plain = await get({ "Next-Router-State-Tree": "not-json" });
  expect(plain.status).toBe(200);
  await plain.arrayBuffer();
});
