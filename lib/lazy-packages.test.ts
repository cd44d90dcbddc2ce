// Packages that only some deployments need are loaded on first use (BENCHMARKS.md, "Peak RSS"):
// the other database's driver, prom-client without enable_metrics, the SAML/CAS XML stack without
// such an IdP. A static import anywhere in the server's code would load them at start-up again and
// cost 12-15 MB each, with every other test still passing; this one would not.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..");
const LAZY = ["pg", "@prisma/adapter-pg", "@prisma/adapter-better-sqlite3", "prom-client", "@node-saml/node-saml", "@xmldom/xmldom"];
/** The modules allowed to import them statically, each itself loaded only by import() when needed. */
const LOADED_ON_DEMAND = new Set(["lib/metrics/prometheus.ts", "lib/metrics/listener.ts"]);

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir)).flatMap((name) => {
    const file = path.join(dir, name);
    if (name === "generated" || name === "node_modules") return [];
    if (statSync(path.join(ROOT, file)).isDirectory()) return sourceFiles(file);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [file] : [];
  });
}

describe("packages loaded on first use", () => {
  it("are imported statically (other than for types) only by modules that are themselves loaded on demand", () => {
    const staticImport = new RegExp(`^import (?!type )[^;]*from "(${LAZY.map((name) => name.replace(/[/.]/g, "\\$&")).join("|")})";`, "m");
    const offenders = [...sourceFiles("lib"), ...sourceFiles("app"), "server.ts", "proxy.ts"].filter((file) =>
      staticImport.test(readFileSync(path.join(ROOT, file), "utf8")),
    );
    expect(offenders.sort()).toEqual([...LOADED_ON_DEMAND].sort());
    for (const file of LOADED_ON_DEMAND) {
      const name = `./${path.basename(file, ".ts")}`;
      const staticUsers = [...sourceFiles("lib"), "server.ts"].filter(
        (user) => !LOADED_ON_DEMAND.has(user) && new RegExp(`^import (?!type )[^;]*from "[^"]*${name.slice(2)}";`, "m").test(readFileSync(path.join(ROOT, user), "utf8")),
      );
      expect(staticUsers, `${file} is imported statically`).toEqual([]);
    }
  });
});
