// Starts the real service (server.ts over the production build) for a test, on 127.0.0.1 with a
// free port, its own config file and its own database, and stops it afterwards.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { reservedPort } from "./ports";

const ROOT = path.resolve(__dirname, "..");

export interface RunningServer {
  baseUrl: string;
  configFile: string;
  databaseUrl: string;
  output: () => string;
  stop: () => Promise<void>;
  /** Kills the process at once (SIGKILL), as a crash would, and waits until it is gone. */
  kill: () => Promise<void>;
}

/**
 * A free TCP port on 127.0.0.1, reserved for this test process until it exits: no other test
 * process (another vitest worker, another run) and no outgoing connection can take it before the
 * server listens (test-support/ports.ts).
 */
export const freePort = reservedPort;

export function testConfig(overrides: Record<string, unknown> = {}, port = 8008): Record<string, unknown> {
  return {
    server_name: "test.local",
    public_baseurl: `http://127.0.0.1:${port}/`,
    macaroon_secret_key: "test-secret-test-secret-test-secret",
    bcrypt_rounds: 4,
    rc_login: {
      address: { per_second: 1000, burst_count: 1000 },
      account: { per_second: 1000, burst_count: 1000 },
      failed_attempts: { per_second: 1000, burst_count: 1000 },
    },
    ...overrides,
  };
}

export function sqliteUrl(dir: string): string {
  return `file:${path.join(dir, "homeserver.db")}`;
}

/**
 * How the server process is run:
 * - "source": `node --import tsx server.ts`, the TypeScript source with tsx's loader (no compile
 *   step needed after `next build`; ~50 MB more memory than production);
 * - "production": `npm start`'s node command — its flags and the compiled server.cjs that
 *   `npm run build` writes —, so what is measured is what users run.
 * Default: "source", or TEST_SERVER_RUN.
 */
export type ServerRun = "source" | "production";

const PRODUCTION_START = /^((?:[A-Z_]+=\S+ )*)node ((?:--\S+ )*)\$\{NEXT_DIST_DIR:-\.next\}\/(\S+)$/;

/** package.json's start script as node arguments and environment, with NEXT_DIST_DIR applied. */
export function productionCommand(): { args: string[]; env: Record<string, string> } {
  const script = (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: { start: string } }).scripts.start;
  // Started here as node itself, not through npm and a shell: one process, as for "source".
  const match = PRODUCTION_START.exec(script);
  if (!match) {
    throw new Error(`test-support/server.ts cannot run package.json's start script as it is now ("${script}"): update productionCommand()`);
  }
  const env = Object.fromEntries(match[1].split(" ").filter(Boolean).map((pair) => pair.split("=", 2) as [string, string]));
  const flags = match[2].split(" ").filter(Boolean);
  return { args: [...flags, path.join(process.env.NEXT_DIST_DIR || ".next", match[3])], env };
}

export async function startServer(options: {
  config?: Record<string, unknown>;
  databaseUrl?: string;
  env?: Record<string, string>;
  /** A port chosen in advance (e.g. for an IdP's redirect URI); a free one otherwise. */
  port?: number;
  /** Use this config file as it is instead of one made from testConfig(). */
  rawConfigFile?: string;
  /** Extra arguments for server.ts. */
  args?: string[];
  run?: ServerRun;
} = {}): Promise<RunningServer> {
  if (!existsSync(path.join(ROOT, process.env.NEXT_DIST_DIR || ".next", "BUILD_ID"))) {
    throw new Error("no production build: run `npm run build` before the integration tests");
  }
  const run = options.run ?? ((process.env.TEST_SERVER_RUN as ServerRun | undefined) || "source");
  const command = run === "production" ? productionCommand() : { args: ["--import", "tsx", "server.ts"], env: { NODE_ENV: "production" } };
  const entry = command.args[command.args.length - 1];
  if (run === "production" && !existsSync(path.join(ROOT, entry))) {
    throw new Error(`no compiled server (${entry}): run \`npm run build\``);
  }
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(path.join(os.tmpdir(), "hs-test-"));
  const configFile = options.rawConfigFile ?? path.join(dir, "homeserver.yaml");
  if (!options.rawConfigFile) writeFileSync(configFile, stringify(testConfig(options.config, port)));
  const databaseUrl = options.databaseUrl ?? sqliteUrl(dir);
  let log = "";
  // Node itself (with tsx's loader for "source"), not a launcher: one process, so a SIGKILL
  // (kill(), or stop() after its grace period) cannot leave an orphaned server behind.
  const child: ChildProcess = spawn(process.execPath, [...command.args, ...(options.args ?? [])], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...command.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      HOMESERVER_CONFIG: configFile,
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: "info",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk) => (log += chunk));
  child.stderr?.on("data", (chunk) => (log += chunk));
  const baseUrl = `http://127.0.0.1:${port}`;

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await new Promise((resolve) => {
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
        child.once("exit", () => {
          clearTimeout(timer);
          resolve(undefined);
        });
      });
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  };

  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${log}`);
    try {
      const response = await fetch(`${baseUrl}/_matrix/client/v3/login`);
      if (response.ok) return { baseUrl, configFile, databaseUrl, output: () => log, stop, kill };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await stop();
  throw new Error(`server did not start within 60 s:\n${log}`);
}
