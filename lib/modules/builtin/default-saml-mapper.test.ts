// Synapse's DefaultSamlMappingProvider behaviour.
import { describe, expect, it } from "vitest";
import { MappingError } from "../errors";
import { DefaultSamlMappingProvider, dotReplaceForMxid } from "./default-saml-mapper";

const provider = (config: Record<string, unknown> = {}) => new DefaultSamlMappingProvider(DefaultSamlMappingProvider.parseConfig(config));

describe("DefaultSamlMappingProvider", () => {
  it("asks for uid and the source attribute, and uses displayName and email when present", () => {
    expect(DefaultSamlMappingProvider.getSamlAttributes(DefaultSamlMappingProvider.parseConfig({}))).toEqual({
      required: new Set(["uid"]),
      optional: new Set(["displayName", "email"]),
    });
    expect(DefaultSamlMappingProvider.getSamlAttributes(DefaultSamlMappingProvider.parseConfig({ mxid_source_attribute: "mail" })).required).toEqual(new Set(["uid", "mail"]));
  });

  it("hex-encodes by default and appends the failure count", () => {
    const ava = { uid: ["Jöhn"], displayName: ["John"], email: ["j@x", "k@x"] };
    expect(provider().samlResponseToUserAttributes({ ava }, 0)).toEqual({ mxidLocalpart: "j=c3=b6hn", displayName: "John", emails: ["j@x", "k@x"] });
    expect(provider().samlResponseToUserAttributes({ ava }, 2).mxidLocalpart).toBe("j=c3=b6hn2");
    expect(provider().samlResponseToUserAttributes({ ava: { uid: ["a"] } }, 0)).toEqual({ mxidLocalpart: "a", displayName: null, emails: [] });
  });

  it("dotreplace: lower-case, invalid characters become dots, one leading underscore goes", () => {
    expect(dotReplaceForMxid("_John Smith@Example")).toBe("john.smith.example");
    expect(provider({ mxid_mapping: "dotreplace" }).samlResponseToUserAttributes({ ava: { uid: ["Jo Bloggs"] } }, 0).mxidLocalpart).toBe("jo.bloggs");
  });

  // Worked out by hand from Synapse's dot_replace_for_mxid (synapse/handlers/saml.py): Python's
  // str.lower(), then every code point outside [a-z0-9._=/+-] becomes ".", then one leading "_" goes.
  it.each([
    ["Nm.Élodie Z", "nm..lodie.z"],
    ["Cas.Ü", "cas.."],
    ["élodie", ".lodie"],
    ["e\u0301", "e."], // a combining accent is one code point: one dot
    ["😀x", ".x"], // an emoji is one code point (two UTF-16 units): one dot
    ["👍🏽", ".."],
    ["\u212a", "k"], // KELVIN SIGN lower-cases to ASCII k
    ["İ", "i."], // U+0130 lower-cases to "i" + U+0307
    ["ΣΑΣ", "..."],
    ["a=b", "a=b"], // "=" is a localpart character
    ["_x", "x"],
    ["__x", "_x"],
    ["a b/c", "a.b/c"],
    ["a+b", "a+b"],
  ])("dotreplace %j -> %s", (input, expected) => {
    expect(dotReplaceForMxid(input)).toBe(expected);
    expect(provider({ mxid_mapping: "dotreplace" }).samlResponseToUserAttributes({ ava: { uid: [input] } }, 0).mxidLocalpart).toBe(expected);
  });

  it.each([
    ["Nm.Élodie Z", "nm.=c3=89lodie=20z"],
    ["Cas.Ü", "cas.=c3=9c"],
    ["e\u0301", "e=cc=81"],
  ])("hexencode %j -> %s (UTF-8 first, then ASCII-only lower case)", (input, expected) => {
    expect(provider({ mxid_mapping: "hexencode" }).samlResponseToUserAttributes({ ava: { uid: [input] } }, 0).mxidLocalpart).toBe(expected);
  });

  it("refuses an unknown mxid_mapping with Synapse's message", () => {
    expect(() => DefaultSamlMappingProvider.parseConfig({ mxid_mapping: "rot13" })).toThrow(
      "saml2_config.user_mapping_provider.config: 'rot13' is not a valid mxid_mapping value",
    );
  });

  it("needs uid for the remote ID (a MappingError) and the source attribute for the localpart (a plain error)", () => {
    expect(provider().getRemoteUserId({ ava: { uid: ["u1"] } })).toBe("u1");
    expect(() => provider().getRemoteUserId({ ava: {} })).toThrow(new MappingError("'uid' not in SAML2 response"));
    expect(() => provider({ mxid_source_attribute: "mail" }).samlResponseToUserAttributes({ ava: { uid: ["u"] } }, 0)).toThrow("mail not in SAML2 response");
  });
});
