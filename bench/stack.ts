// What a benchmark run starts, all on 127.0.0.1: a database (a SQLite file in a temporary directory,
// or a database on a throwaway PostgreSQL 15 cluster), two real OpenID Providers, and the service
// itself (test-support/server.ts: server.ts over the production build, NODE_ENV=production).
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startOidcProvider, type DemoAccount, type RunningOidcProvider } from "../test-support/oidc-provider";
import { createDatabase, startPostgres, type PostgresCluster } from "../test-support/postgres";
import { freePort, startServer, type RunningServer } from "../test-support/server";
import { pidListeningOn } from "./rss";
import { SERVER_NAME } from "./seed";

/** The client app on sso.client_whitelist: the callback sends the browser straight back to it. */
export const TRUSTED_CLIENT_URL = "http://127.0.0.1:9/bench-client";
/** Raised far above any rate the benchmark reaches, so rc_login never answers 429. */
export const RC_LOGIN_UNLIMITED = { per_second: 1_000_000, burst_count: 1_000_000 };
/** One IdP account per concurrent SSO client. */
export const SSO_ACCOUNTS: DemoAccount[] = Array.from({ length: 16 }, (_, i) => ({
  sub: `bench-sso-${i}`,
  password: `bench-sso-pw-${i}`,
  claims: { preferred_username: `sso${i}`, name: `SSO user ${i}`, email: `sso${i}@corp.example` },
}));

export interface Database {
  backend: "sqlite" | "postgresql";
  url: string;
  /** A short label, e.g. "SQLite" or "PostgreSQL 15". */
  label: string;
}

/** Starts everything with a stop function, stopping what did start if a later step fails. */
class Stoppers {
  private readonly list: (() => Promise<void>)[] = [];
  add(stop: () => Promise<void>): void {
    this.list.push(stop);
  }
  async stopAll(): Promise<void> {
    for (const stop of this.list.splice(0).reverse()) {
      try {
        await stop();
      } catch (error) {
        console.error("bench: stopping failed:", (error as Error).message);
      }
    }
  }
}

let cluster: PostgresCluster | undefined;
const sqliteDirs = new Set<string>();
let databaseCounter = 0;

/** A fresh empty database; PostgreSQL databases share one cluster, stopped by stopPostgres(). */
export async function freshDatabase(backend: Database["backend"]): Promise<{ database: Database; remove: () => Promise<void> }> {
  if (backend === "sqlite") {
    const dir = mkdtempSync(path.join(os.tmpdir(), "hs-bench-"));
    sqliteDirs.add(dir);
    return {
      database: { backend, url: `file:${path.join(dir, "homeserver.db")}`, label: "SQLite" },
      remove: async () => {
        sqliteDirs.delete(dir);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  cluster ??= await startPostgres({ database: "bench" });
  databaseCounter += 1;
  const url = databaseCounter === 1 ? cluster.url : await createDatabase(cluster.url, `bench${databaseCounter}`);
  return { database: { backend, url, label: "PostgreSQL 15" }, remove: async () => {} };
}

/** The roots of the process trees this benchmark runs: this process (server, IdPs, load) and the postmaster. */
export function ourProcessRoots(): number[] {
  const roots = [process.pid];
  if (cluster) {
    try {
      roots.push(Number(readFileSync(path.join(cluster.directory, "data", "postmaster.pid"), "utf8").split("\n")[0]));
    } catch {
      // not running
    }
  }
  return roots;
}

export async function stopPostgres(): Promise<void> {
  await cluster?.stop();
  cluster = undefined;
}

const running = new Set<BenchStack>();

/** Stops every stack still running and the PostgreSQL cluster, and deletes SQLite files (for Ctrl-C and kill). */
export async function stopEverything(): Promise<void> {
  for (const stack of [...running]) await stack.stop();
  await stopPostgres();
  for (const dir of sqliteDirs) rmSync(dir, { recursive: true, force: true });
  sqliteDirs.clear();
}

export interface BenchStack {
  baseUrl: string;
  /** The node process running server.ts (the one listening on the port), for RSS sampling. */
  serverPid: number;
  /** The homeserver's IdP id of the provider the SSO round trip uses. */
  ssoIdpId: string;
  server: RunningServer;
  stop(): Promise<void>;
}

export function benchConfig(corp: RunningOidcProvider, social: RunningOidcProvider, bcryptRounds: number): Record<string, unknown> {
  return {
    server_name: SERVER_NAME,
    bcrypt_rounds: bcryptRounds,
    rc_login: { address: RC_LOGIN_UNLIMITED, account: RC_LOGIN_UNLIMITED, failed_attempts: RC_LOGIN_UNLIMITED },
    oidc_providers: [
      {
        idp_id: "corp",
        idp_name: "Corp SSO",
        issuer: corp.issuer,
        client_id: "homeserver",
        client_secret: "corp-secret",
        scopes: ["openid", "profile", "email"],
        user_mapping_provider: {
          config: { localpart_template: "{{ user.preferred_username }}", display_name_template: "{{ user.name }}" },
        },
      },
      {
        idp_id: "social",
        idp_name: "Social Login",
        issuer: social.issuer,
        client_id: "homeserver-social",
        client_secret: "social-secret",
        scopes: ["openid", "profile", "email"],
        user_mapping_provider: { config: { display_name_template: "{{ user.name }}" } },
      },
    ],
    sso: { client_whitelist: [TRUSTED_CLIENT_URL] },
  };
}

/**
 * Two IdPs and the service on `databaseUrl` (already migrated and seeded or not: it migrates too),
 * with `workerProcesses` server processes (homeserver.yaml's worker_processes).
 */
/** `serverEnv` is added to the server's environment only (e.g. a profiling preload in NODE_OPTIONS). */
export async function startStack(
  databaseUrl: string,
  bcryptRounds: number,
  workerProcesses = 1,
  withMetrics = false,
  serverEnv: Record<string, string> = {},
): Promise<BenchStack> {
  const root = path.resolve(__dirname, "..");
  const distDir = process.env.NEXT_DIST_DIR || ".next";
  if (!existsSync(path.join(root, distDir, "BUILD_ID"))) {
    throw new Error(`no production build (${distDir}/BUILD_ID): run \`npm run build\` first`);
  }
  const stoppers = new Stoppers();
  try {
    const port = await freePort();
    const callback = `http://127.0.0.1:${port}/_synapse/client/oidc/callback`;
    const corp = await startOidcProvider({
      accounts: SSO_ACCOUNTS,
      clients: [{ client_id: "homeserver", client_secret: "corp-secret", redirect_uris: [callback] }],
    });
    stoppers.add(() => corp.stop());
    const social = await startOidcProvider({
      accounts: [],
      clients: [{ client_id: "homeserver-social", client_secret: "social-secret", redirect_uris: [callback] }],
    });
    stoppers.add(() => social.stop());
    // As `npm start` runs it: the compiled server under plain node, with its heap limits.
    const metricsPort = withMetrics ? await freePort() : undefined;
    const server = await startServer({
      run: "production",
      port,
      databaseUrl,
      config: {
        ...benchConfig(corp, social, bcryptRounds),
        worker_processes: workerProcesses,
        ...(metricsPort ? { enable_metrics: true, listeners: [{ type: "metrics", port: metricsPort, bind_addresses: ["127.0.0.1"] }] } : {}),
      },
      env: serverEnv,
    });
    stoppers.add(() => server.stop());
    if (metricsPort) {
      // A busy Prometheus: one scrape a second for as long as the stack runs.
      const scraper = setInterval(() => {
        fetch(`http://127.0.0.1:${metricsPort}/_synapse/metrics`).then((response) => response.text()).catch(() => undefined);
      }, 1000);
      stoppers.add(async () => clearInterval(scraper));
    }
    const stack: BenchStack = {
      baseUrl: server.baseUrl,
      serverPid: pidListeningOn(port),
      ssoIdpId: "oidc-corp",
      server,
      stop: async () => {
        running.delete(stack);
        await stoppers.stopAll();
      },
    };
    running.add(stack);
    return stack;
  } catch (error) {
    await stoppers.stopAll();
    throw error;
  }
}
