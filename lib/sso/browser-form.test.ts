// The SSO and UI-auth pages' forms: read within 16 KiB, a larger one ends on the error page (400)
// without being read to its end.
import { describe, expect, it } from "vitest";
import { browserFormFields, MAX_FORM_BYTES, readBrowserForm } from "./browser-form";
import { accountDetailsFormSchema, newUserConsentFormSchema } from "./form-schemas";
import { SsoError } from "./sso-error";

function formPost(body: BodyInit, headers: Record<string, string> = {}) {
  return new Request("http://127.0.0.1/form", {
    method: "POST",
    body,
    headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers },
    duplex: "half",
  } as RequestInit);
}

describe("readBrowserForm", () => {
  it("reads a form's fields, repeated ones included", async () => {
    const form = await readBrowserForm(formPost("username=alice&use_email=a%40example.org&use_email=b%40example.org"));
    expect(form.get("username")).toBe("alice");
    expect(form.getAll("use_email")).toEqual(["a@example.org", "b@example.org"]);
  });

  it("refuses a form over the limit with the error page's 400", async () => {
    const error = await readBrowserForm(formPost(`username=${"a".repeat(MAX_FORM_BYTES)}`)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SsoError);
    expect(error).toMatchObject({ error: "bad_param", status: 400, description: "The form is too large." });
  });

  it("counts bytes, not characters", async () => {
    // 6 000 three-byte characters: 18 000 bytes, though fewer than 16 384 characters.
    await expect(readBrowserForm(formPost(`username=${"€".repeat(6000)}`))).rejects.toBeInstanceOf(SsoError);
  });

  it("answers with the caller's status", async () => {
    await expect(readBrowserForm(formPost("x".repeat(MAX_FORM_BYTES + 1)), 413)).rejects.toMatchObject({ status: 413 });
  });
});

describe("browserFormFields", () => {
  const form = (body: string) => new URLSearchParams(body);

  it("reads the picker's fields: the name, the ticked box, every ticked address", () => {
    expect(browserFormFields(form("username=alice&use_display_name=true&use_email=a%40x.org&use_email=b%40x.org"), accountDetailsFormSchema)).toEqual({
      username: "alice",
      use_display_name: true,
      use_email: ["a@x.org", "b@x.org"],
    });
    expect(browserFormFields(form("username="), accountDetailsFormSchema)).toEqual({ username: "", use_display_name: false, use_email: [] });
  });

  it.each([
    ["the picker without a username", "use_display_name=true", accountDetailsFormSchema, "Missing string query parameter 'username'"],
    ["the consent step without a version", "", newUserConsentFormSchema, "Missing string query parameter 'accepted_version'"],
    ["the consent step with an empty version", "accepted_version=", newUserConsentFormSchema, "Missing string query parameter 'accepted_version'"],
  ])("refuses %s on the error page", (_name, body, schema, description) => {
    expect(() => browserFormFields(form(body), schema as typeof newUserConsentFormSchema)).toThrow(
      expect.objectContaining({ error: "bad_param", status: 400, description }),
    );
  });
});
