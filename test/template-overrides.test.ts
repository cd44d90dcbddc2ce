// Synapse-style template overrides: a file in templates.custom_template_directory replaces the
// built-in page, gets Synapse's variables, is autoescaped, may keep inline scripts (allowed by CSP
// hash), and falls back to the built-in page when it cannot render.
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../test-support/server";
import { disconnectAll } from "../test-support/users";

describe("custom templates", () => {
  let server: RunningServer;

  beforeAll(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "hs-templates-"));
    writeFileSync(
      path.join(dir, "sso_login_idp_picker.html"),
      `<!DOCTYPE html><html><head><script>window.pickerLoaded = true;</script></head><body>
<h1>Custom picker for {{ server_name }}</h1>
<p id="redirect">{{ redirect_url }}</p>
<ul>{% for p in providers %}<li><a href="pick_idp?idp={{ p.idp_id | urlencode }}&redirectUrl={{ redirect_url | urlencode }}">{{ p.idp_name }}</a> {{ p.idp_icon | mxc_to_http(32, 32) }}</li>{% endfor %}</ul>
</body></html>`,
    );
    writeFileSync(path.join(dir, "sso_error.html"), "<h1>{% for x in %}broken{% endfor %}</h1>");
    server = await startServer({
      config: {
        templates: { custom_template_directory: dir },
        oidc_providers: [
          { idp_id: "one", idp_name: "One <IdP>", idp_icon: "mxc://example.org/abc", issuer: "http://127.0.0.1:9/", client_id: "x", client_secret: "y" },
          { idp_id: "two", idp_name: "Two", issuer: "http://127.0.0.1:9/", client_id: "x", client_secret: "y" },
        ],
      },
    });
  });

  afterAll(async () => {
    await server?.stop();
    await disconnectAll();
  });

  it("renders the override with Synapse's variables and filters, autoescaped, its inline script allowed by hash", async () => {
    const redirectUrl = 'https://app.example/?x="><script>alert(1)</script>';
    const response = await fetch(`${server.baseUrl}/_synapse/client/pick_idp?${new URLSearchParams({ redirectUrl })}`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain("Custom picker for test.local");
    expect(html).toContain("One &lt;IdP&gt;");
    expect(html).toContain("pick_idp?idp=oidc-one&redirectUrl=https%3A%2F%2Fapp.example");
    expect(html).toContain("_matrix/media/v1/thumbnail/example.org/abc?width=32&amp;height=32&amp;method=crop");
    expect(html).not.toContain("<script>alert(1)</script>");
    const csp = response.headers.get("content-security-policy")!;
    expect(csp).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).not.toContain("unsafe-inline");
  });

  it("falls back to the built-in page when the override cannot render", async () => {
    const response = await fetch(`${server.baseUrl}/_synapse/client/pick_idp?idp=nope&redirectUrl=https%3A%2F%2Fapp.example%2F`);
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain("There was an error");
    expect(html).toContain("unknown_idp");
    expect(server.output()).toMatch(/custom template sso_error\.html failed to render/);
  });
});
