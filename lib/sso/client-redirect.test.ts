import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { describeWhitelistEntry, isWhitelistedClient } from "./client-redirect";

describe("isWhitelistedClient (sso.client_whitelist, matched at origin and path boundaries)", () => {
  it.each([
    ["https://app.example.com", "https://app.example.com/"],
    ["https://app.example.com", "https://app.example.com/login?x=1#y"],
    ["https://app.example.com/", "https://app.example.com/deep/path"],
    ["https://app.example.com/app", "https://app.example.com/app"],
    ["https://app.example.com/app", "https://app.example.com/app/callback?state=1"],
    ["https://app.example.com/app/", "https://app.example.com/app/callback"],
    ["https://APP.example.com/", "https://app.example.com/x"],
    ["http://127.0.0.1:9000/trusted", "http://127.0.0.1:9000/trusted?loginToken=1"],
    ["im.vector.app://callback", "im.vector.app://callback/x"],
  ])("%s covers %s", (entry, url) => {
    expect(isWhitelistedClient(url, [entry])).toBe(true);
  });

  it.each([
    // Synapse's prefix match would accept each of these.
    ["https://app.example.com", "https://app.example.com.evil.net/"],
    ["https://app.example.com", "https://app.example.com:8443/"],
    ["https://app.example.com", "https://app.example.com@evil.net/"],
    ["https://app.example.com/app", "https://app.example.com/apple"],
    ["https://app.example.com/app/", "https://app.example.com/app"],
    ["http://127.0.0.1:9000", "http://127.0.0.1:90001/"],
    // And these it would refuse too.
    ["https://app.example.com", "http://app.example.com/"],
    ["https://app.example.com", "not a url"],
    ["not a url", "not a url/x"],
  ])("%s does not cover %s", (entry, url) => {
    expect(isWhitelistedClient(url, [entry])).toBe(false);
  });

  it("never covers a URL on another host (property)", () => {
    fc.assert(
      fc.property(fc.domain(), fc.domain(), fc.webPath(), (entryHost, otherHost, path) => {
        fc.pre(entryHost.toLowerCase() !== otherHost.toLowerCase());
        expect(isWhitelistedClient(`https://${otherHost}${path}`, [`https://${entryHost}`])).toBe(false);
        expect(isWhitelistedClient(`https://${entryHost}.${otherHost}${path}`, [`https://${entryHost}`])).toBe(false);
      }),
    );
  });

  it("says how each entry is read", () => {
    expect(describeWhitelistEntry("https://app.example.com")).toBe(
      '"https://app.example.com" covers https://app.example.com (that scheme, host and port only), every path under /',
    );
    expect(describeWhitelistEntry("https://app.example.com/app")).toContain("/app and every path under /app/");
    expect(describeWhitelistEntry("nonsense")).toContain("covers no client");
  });
});
