// oidc-provider, the OpenID Provider library behind both the OAuth 2.0 server (lib/oauth) and the
// demo IdP (lib/demo-idp). It is ESM-only, so it is imported dynamically, once per process copy of
// this module, and without the "Unsupported runtime" notice it prints on Node 20 (which it runs on
// fine); any other warning still goes through.
let imported: Promise<unknown> | undefined;

/** The package's module namespace; each caller declares the shapes it uses (it ships no types). */
export function importOidcProvider<Module>(): Promise<Module> {
  imported ??= (async () => {
    const originalWarn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (typeof args[0] === "string" && args[0].includes("Unsupported runtime")) return;
      originalWarn.apply(console, args);
    };
    try {
      // @ts-ignore -- oidc-provider ships no type definitions.
      return await import("oidc-provider");
    } finally {
      console.warn = originalWarn;
    }
  })();
  return imported as Promise<Module>;
}
