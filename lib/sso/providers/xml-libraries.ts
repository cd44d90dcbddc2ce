// The XML libraries of the SAML and CAS providers, loaded on first use instead of at start-up: most
// deployments configure neither, and @node-saml with the XML stack it pulls in (xml-crypto,
// xml-encryption, xml2js, xmlbuilder, xpath, @xmldom) is ~1.8 MB of JavaScript that otherwise stays
// in every process's heap (BENCHMARKS.md, "Peak RSS"). A require() of a package name: the esbuild
// bundle of server.ts and Next's bundles keep both packages external, and tsx and vitest hand it to
// Node, so every runtime loads the one copy Node has.
import type * as NodeSaml from "@node-saml/node-saml";
import type * as Xmldom from "@xmldom/xmldom";

let nodeSamlModule: typeof NodeSaml | undefined;
let xmldomModule: typeof Xmldom | undefined;

export function nodeSaml(): typeof NodeSaml {
  return (nodeSamlModule ??= require("@node-saml/node-saml") as typeof NodeSaml);
}

export function xmldom(): typeof Xmldom {
  return (xmldomModule ??= require("@xmldom/xmldom") as typeof Xmldom);
}
