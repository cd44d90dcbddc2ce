// The server bundle's stand-in for Prisma's base64 query-compiler modules (prismaQueryCompilerOnDemand):
// a module compiled with it hands Prisma's client exactly the bytes the original module holds,
// without carrying the 2.2 MB string in its own source.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import { buildServer, prismaQueryCompilerOnDemand, SERVER_BUNDLE } from "./build-server";

const ROOT = path.resolve(__dirname, "..");
const projectRequire = createRequire(path.join(ROOT, "package.json"));
// Inside the project, as server.cjs is (.next/homeserver/), so that the stand-in finds the package.
const scratch = mkdtempSync(path.join(ROOT, "node_modules", ".build-server-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("the Prisma query compiler in the server bundle", () => {
  it.each(["sqlite", "postgresql"])("reads the %s compiler's base64 from its module's file when the client asks", async (provider) => {
    const specifier = `@prisma/client/runtime/query_compiler_small_bg.${provider}.wasm-base64.js`;
    const outfile = path.join(scratch, `${provider}.cjs`);
    // The generated client's own way of asking: a dynamic import, then its `wasm` export.
    await build({
      absWorkingDir: ROOT,
      stdin: { contents: `module.exports = () => import(${JSON.stringify(specifier)}).then((loaded) => loaded.wasm);`, resolveDir: ROOT, loader: "js" },
      outfile,
      bundle: true,
      packages: "external",
      platform: "node",
      format: "cjs",
      plugins: [prismaQueryCompilerOnDemand],
      logLevel: "silent",
    });

    // The bundle is a few lines, not the module's megabytes.
    expect(readFileSync(outfile, "utf8").length).toBeLessThan(5_000);
    const wasm = await (projectRequire(outfile) as () => Promise<string>)();
    // The original module was never loaded, so nothing keeps its source or its string.
    const originalFile = projectRequire.resolve(specifier);
    expect(Object.keys(projectRequire.cache)).not.toContain(originalFile);

    const original = (projectRequire(specifier) as { wasm: string }).wasm;
    expect(original.length).toBeGreaterThan(1_000_000);
    expect(wasm).toBe(original);
    // And it decodes to a WebAssembly module, as the client then compiles it.
    expect(WebAssembly.validate(Buffer.from(wasm, "base64"))).toBe(true);
  });

  it("is what the server bundle loads the compiler through", async () => {
    const outfile = await buildServer(path.join(scratch, "dist"));
    expect(outfile).toBe(path.join(scratch, "dist", SERVER_BUNDLE));
    const bundle = readFileSync(outfile, "utf8");
    // The generated clients' import of the base64 module became the stand-in, for both databases.
    expect(bundle).not.toMatch(/import\("@prisma\/client\/runtime\/query_compiler_\w+_bg\.\w+\.wasm-base64\.js"\)/);
    expect(bundle).toContain('SPECIFIER = "@prisma/client/runtime/query_compiler_small_bg.sqlite.wasm-base64.js"');
    expect(bundle).toContain('SPECIFIER = "@prisma/client/runtime/query_compiler_small_bg.postgresql.wasm-base64.js"');
  });
});
