// `npm run build`, after `next build`: compiles server.ts and the lib/ code it imports into one
// CommonJS file in the build output, which `npm start` runs under plain node. Running the
// TypeScript source under tsx instead costs ~50 MB of resident memory for tsx's loader (its module
// hooks run on a thread of their own and drive esbuild at run time) in every production process.
//
// Packages stay outside the file and are loaded from node_modules as before: several are native
// (better-sqlite3, bcrypt) or load WebAssembly next to their own files (Prisma), and Next.js must
// be the same copy the build used. Route handlers are not compiled here: `next build` bundles them.
import path from "node:path";
import { build, type Plugin } from "esbuild";

const ROOT = path.resolve(__dirname, "..");

/** Where the compiled server goes, relative to the Next.js build directory. */
export const SERVER_BUNDLE = path.join("homeserver", "server.cjs");

export async function buildServer(distDir = process.env.NEXT_DIST_DIR || ".next"): Promise<string> {
  const outfile = path.resolve(ROOT, distDir, SERVER_BUNDLE);
  await build({
    absWorkingDir: ROOT,
    entryPoints: ["server.ts"],
    outfile,
    bundle: true,
    packages: "external",
    platform: "node",
    target: "node20",
    // CommonJS, as tsx runs server.ts (package.json has no "type"): __dirname and require() keep
    // working, and ES-only packages are loaded with Node's require(esm).
    format: "cjs",
    // Bundling renames clashing identifiers; keep class and function names as written for logs
    // and error names.
    keepNames: true,
    // Stack traces name server.cjs lines; NODE_OPTIONS=--enable-source-maps maps them to the sources.
    sourcemap: "linked",
    // Every bundled file shares the bundle's `module`, so a script's "run as a command" check
    // (`require.main === module`) would hold in all of
    // them: nothing bundled is run as a command.
    define: { "require.main": "undefined" },
    logLevel: "warning",
    plugins: [prismaQueryCompilerOnDemand],
  });
  return outfile;
}

/**
 * Prisma's generated client loads its query compiler from a module that holds the .wasm file as one
 * base64 string (`const wasm = "…"; module.exports = { wasm }`), decodes it once and compiles it.
 * Loaded with import(), that module stays in Node's module cache: its 2.2 MB source and the 2.2 MB
 * string it exports stay in the server's heap for good (a heap snapshot of the server under the
 * bench's sequence; BENCHMARKS.md, peak RSS). Here the import resolves to a stand-in whose `wasm`
 * reads the same file when asked, so both are garbage once the module is compiled. If the file is
 * not shaped as expected, the stand-in asks the original module, as the client would have.
 */
const QUERY_COMPILER_BASE64 = /^@prisma\/client\/runtime\/query_compiler_\w+_bg\.\w+\.wasm-base64\.js$/;

export const prismaQueryCompilerOnDemand: Plugin = {
  name: "prisma-query-compiler-on-demand",
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: QUERY_COMPILER_BASE64 }, (args) => ({ path: args.path, namespace: "prisma-query-compiler" }));
    pluginBuild.onLoad({ filter: /.*/, namespace: "prisma-query-compiler" }, (args) => ({
      loader: "js",
      resolveDir: ROOT,
      contents: `
const { readFileSync } = require("node:fs");
const SPECIFIER = ${JSON.stringify(args.path)};
module.exports = {
  get wasm() {
    const source = readFileSync(require.resolve(SPECIFIER), "utf8");
    const base64 = source.slice(source.indexOf('"') + 1, source.lastIndexOf('"'));
    return /^[A-Za-z0-9+/]+=*$/.test(base64) ? base64 : require(SPECIFIER).wasm;
  },
};
`,
    }));
  },
};

if (require.main === module) {
  buildServer().then(
    (outfile) => process.stdout.write(`server compiled to ${path.relative(ROOT, outfile)}\n`),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
