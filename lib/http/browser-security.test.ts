import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { crossSiteRequestProblem, pageSecurityHeaders } from "./browser-security";

const PUBLIC = "https://matrix.example.org/";
const headers = (values: Record<string, string>) => new Headers(values);

describe("crossSiteRequestProblem", () => {
  it.each([
    ["our own page in a current browser (Origin null under no-referrer)", { "sec-fetch-site": "same-origin", origin: "null", host: "matrix.example.org" }],
    ["our own page, Origin sent", { "sec-fetch-site": "same-origin", origin: "https://matrix.example.org", host: "matrix.example.org" }],
    ["a person typing the URL", { "sec-fetch-site": "none" }],
    ["an older browser on our origin", { origin: "https://matrix.example.org", host: "127.0.0.1:8008" }],
    ["an older browser via the address it connected to", { origin: "http://127.0.0.1:8008", host: "127.0.0.1:8008" }],
    ["a client that is not a browser", {}],
  ])("lets through %s", (_name, values) => {
    expect(crossSiteRequestProblem(headers(values), PUBLIC)).toBeNull();
  });

  it.each([
    ["another site", { "sec-fetch-site": "cross-site", origin: "https://evil.example" }],
    ["a sibling subdomain", { "sec-fetch-site": "same-site", origin: "https://evil.example.org" }],
    ["another site that claims our Origin (only non-browsers can)", { "sec-fetch-site": "cross-site", origin: "https://matrix.example.org" }],
    ["an older browser on another site", { origin: "https://evil.example", host: "matrix.example.org" }],
    ["an Origin that is not a URL", { origin: "garbage", host: "matrix.example.org" }],
    ["an opaque origin without Sec-Fetch-Site (a sandboxed frame or data: page)", { origin: "null", host: "matrix.example.org" }],
  ])("refuses %s", (_name, values) => {
    expect(crossSiteRequestProblem(headers(values), PUBLIC)).not.toBeNull();
  });

  it("refuses any browser-marked cross-origin request, whatever the Origin (property)", () => {
    fc.assert(
      fc.property(fc.constantFrom("cross-site", "same-site"), fc.oneof(fc.webUrl(), fc.constant("null"), fc.string()), (site, origin) => {
        expect(crossSiteRequestProblem(headers({ "sec-fetch-site": site, origin, host: "matrix.example.org" }), PUBLIC)).not.toBeNull();
      }),
    );
  });
});

describe("pageSecurityHeaders", () => {
  it("never allows inline scripts except by nonce, and forbids framing", () => {
    for (const nonce of [null, "abc123=="]) {
      const csp = pageSecurityHeaders(nonce)["Content-Security-Policy"];
      expect(csp).not.toContain("unsafe-inline");
      expect(csp).not.toContain("unsafe-eval");
      expect(csp).toContain("frame-ancestors 'none'");
      if (nonce) expect(csp).toContain(`'nonce-${nonce}'`);
    }
  });
});
