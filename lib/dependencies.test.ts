// What `npm install` says on the Node.js version the README promises, checked on package-lock.json
// (the tree npm installs): no installed package declares an `engines.node` range that leaves that
// version out (npm would print EBADENGINE for it), except the test-only packages the README names as
// the accepted warning; and every package with an install script is one `allowScripts` decides on
// (npm would otherwise warn about an unapproved script).
import { readFileSync } from "node:fs";
import path from "node:path";
// @ts-expect-error -- semver ships no type definitions; the two calls used are satisfies() and minVersion().
import semver from "semver";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..");

interface LockEntry {
  version?: string;
  dev?: boolean;
  engines?: { node?: string } | string[];
  hasInstallScript?: boolean;
}
interface PackageJson {
  engines: { node: string };
  allowScripts?: Record<string, boolean>;
}

const packageJson = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as PackageJson;
const lock = JSON.parse(readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as {
  packages: Record<string, LockEntry>;
};
const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");

/** The lowest Node.js version package.json's `engines` accepts (">=20.19" → "20.19.0"). */
const lowestSupportedNode = (semver.minVersion(packageJson.engines.node) as { version: string }).version;

/** The package name of a lock key ("node_modules/a/node_modules/@b/c" → "@b/c"). */
const nameOf = (key: string) => key.slice(key.lastIndexOf("node_modules/") + "node_modules/".length);

/**
 * The test-only alias of matrix-js-sdk's current major (and what it alone pulls in): every release
 * after 37.5 declares Node 22, and the README says so next to the install command.
 */
const ACCEPTED_PREFIX = "node_modules/matrix-js-sdk-current";

/** Installed packages whose engines.node excludes `nodeVersion`, as "name@version (range)". */
function packagesExcluding(entries: Record<string, LockEntry>, nodeVersion: string): string[] {
  return Object.entries(entries)
    .filter(([key]) => key !== "")
    .flatMap(([key, entry]) => {
      const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
      if (range === undefined || semver.satisfies(nodeVersion, range)) return [];
      return [`${key} ${nameOf(key)}@${entry.version} (node ${range})${entry.dev ? " dev" : ""}`];
    });
}

describe("npm install on the Node.js version the README states", () => {
  it("is the version package.json's engines accepts as its lowest", () => {
    const stated = /Node\.js (\d+) \((\d+\.\d+) or later\)/.exec(readme);
    expect(stated, "README names the Node.js version to install with").not.toBeNull();
    expect(`${stated![2]}.0`).toBe(lowestSupportedNode);
    expect(lowestSupportedNode.startsWith(`${stated![1]}.`)).toBe(true);
  });

  it("installs no package that declares it unsupported, apart from the test-only matrix-js-sdk-current", () => {
    const excluding = packagesExcluding(lock.packages, lowestSupportedNode);
    const unexpected = excluding.filter((line) => !line.startsWith(`${ACCEPTED_PREFIX} `) && !line.startsWith(`${ACCEPTED_PREFIX}/`));
    expect(unexpected).toEqual([]);
    // The accepted ones stay test-only, and the README warns about them.
    for (const line of excluding) expect(line).toMatch(/ dev$/);
    if (excluding.length > 0) expect(readme).toMatch(/matrix-js-sdk-current[^]{0,200}EBADENGINE/);
  });

  it("runs or declines every install script by name in allowScripts (npm warns about any other)", () => {
    const allowScripts = packageJson.allowScripts ?? {};
    const undecided = Object.entries(lock.packages)
      .filter(([key, entry]) => key !== "" && entry.hasInstallScript && !(nameOf(key) in allowScripts))
      .map(([key]) => nameOf(key));
    expect(undecided).toEqual([]);
  });
});
