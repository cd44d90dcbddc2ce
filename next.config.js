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
    // The SSO libraries are large, and Turbopack put a copy of them into four separate chunk
    // groups, each evaluated on its own. Loaded by Node instead, there is one copy per process,
    // shared with server.ts, which imports them too: a live heap 4 MB smaller once /login has
    // been served, 12 MB smaller with every route loaded. (zod and yaml are better bundled: as
    // externals the route bundles load their ES builds next to server.ts's CommonJS ones.)
    "@node-saml/node-saml",
    "@xmldom/xmldom",
    "jose",
    "openid-client",
  ],
  // `npm test` type-checks the whole project with tsc first; the build need not do it again.
  typescript: { ignoreBuildErrors: true },
  experimental: {
    // forbidden() answers 403 for signed-in non-admins in the admin console.
    authInterrupts: true,
    // Next loads every route's code at start-up by default. Most of it (admin console, SAML, CAS,
    // UI-auth fallbacks) serves few requests or none on a given deployment, and loaded code stays
    // in memory for good; load each route on its first request instead (a one-off few ms).
    preloadEntriesOnStart: false,
  },
  // Synapse serves /_matrix/client/v3/login, never /login/; don't redirect on trailing slashes.
  skipTrailingSlashRedirect: true,
};
