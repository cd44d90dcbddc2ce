// Next.js configuration. Native and WebAssembly-backed packages stay outside the server bundle
// and are loaded by Node at run time.
/** @type {import('next').NextConfig} */
module.exports = {
  // NEXT_DIST_DIR lets several builds live side by side (e.g. parallel work in one checkout).
  distDir: process.env.NEXT_DIST_DIR || ".next",
  poweredByHeader: false,
  reactStrictMode: true,
  serverExternalPackages: [
    "better-sqlite3",
    "bcrypt",
    "pg",
    "@prisma/client",
    "@prisma/adapter-better-sqlite3",
    "@prisma/adapter-pg",
    "@prisma/driver-adapter-utils",
    "@prisma/schema-engine-wasm",
    "nunjucks",
  ],
  // `npm test` type-checks the whole project with tsc first; the build need not do it again.
  typescript: { ignoreBuildErrors: true },
  // forbidden() answers 403 for signed-in non-admins in the admin console.
  experimental: { authInterrupts: true },
  // Synapse serves /_matrix/client/v3/login, never /login/; don't redirect on trailing slashes.
  skipTrailingSlashRedirect: true,
};
