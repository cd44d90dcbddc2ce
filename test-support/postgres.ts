// Throwaway PostgreSQL clusters for tests: `startPostgres()` runs initdb and starts a server in a
// fresh temporary directory, listening on 127.0.0.1 only (a free port) with trust authentication,
// its socket inside that directory and durability off for speed; `stop()` shuts it down and
// deletes the directory. initdb and postgres refuse to run as root, so as root (CI, containers)
// they run as the `postgres` OS user, which then owns the directory.
import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { reservedPort } from "./ports";

export interface PostgresCluster {
  /** `postgresql://postgres@127.0.0.1:<port>/<database>`: a fresh, empty database. */
  url: string;
  /** The cluster's directory (data, socket, log). */
  directory: string;
  stop(): Promise<void>;
  /** Shuts the server down (fast: open connections are cut), keeping its data, as an outage would. */
  pause(): Promise<void>;
  /** Starts the server again on the same port with the same data. */
  resume(): Promise<void>;
}

const PREFERRED_VERSION = "15";
const INSTALL_HINT =
  "PostgreSQL 15 server binaries (initdb, pg_ctl) were not found: install them with " +
  "`apt-get install -y postgresql-15` (or set PG_BIN_DIR to the directory holding initdb).";

function hasServerBinaries(dir: string | undefined): dir is string {
  return !!dir && existsSync(path.join(dir, "initdb")) && existsSync(path.join(dir, "pg_ctl"));
}

/** The directory holding initdb/pg_ctl/postgres, preferring PostgreSQL 15. */
export function findPostgresBinDir(): string {
  const candidates: (string | undefined)[] = [process.env.PG_BIN_DIR, `/usr/lib/postgresql/${PREFERRED_VERSION}/bin`];
  try {
    candidates.push(execFileSync("pg_config", ["--bindir"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim());
  } catch {
    // pg_config isn't installed
  }
  try {
    const versions = readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((version) => `/usr/lib/postgresql/${version}/bin`));
  } catch {
    // no Debian-layout installation
  }
  candidates.push("/usr/local/pgsql/bin", "/usr/pgsql-15/bin", "/usr/bin");
  const found = candidates.find(hasServerBinaries);
  if (!found) throw new Error(INSTALL_HINT);
  return found;
}

interface RunAs {
  uid: number;
  gid: number;
  /** Turns a command line into one run as the cluster's OS user. */
  wrap(command: string, args: string[]): [string, string[]];
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** How to run the server binaries: as ourselves, or as `postgres` when we are root. */
function runAs(): RunAs {
  const uid = process.getuid?.() ?? -1;
  if (uid !== 0) return { uid, gid: process.getgid?.() ?? -1, wrap: (command, args) => [command, args] };
  let ids: string[];
  try {
    ids = execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim().split(/\s+/);
    ids.push(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
  } catch {
    throw new Error(`Running as root, but there is no "postgres" OS user to run PostgreSQL as. ${INSTALL_HINT}`);
  }
  const [pgUid, pgGid] = ids.map(Number);
  const runuser = ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"].find((file) => existsSync(file));
  return {
    uid: pgUid,
    gid: pgGid,
    wrap: (command, args) =>
      runuser
        ? [runuser, ["-u", "postgres", "--", command, ...args]]
        : ["su", ["postgres", "-s", "/bin/sh", "-c", [command, ...args].map(shellQuote).join(" ")]],
  };
}

function run(as: RunAs, cwd: string, command: string, args: string[]): string {
  const [file, argv] = as.wrap(command, args);
  const result = spawnSync(file, argv, { cwd, encoding: "utf8", env: { ...process.env, LC_ALL: "C" } });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`${path.basename(command)} ${args.join(" ")} failed (exit ${result.status}):\n${result.stdout}${result.stderr}`);
  }
  return result.stdout;
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The URL of database `name` on the same server (and with the same credentials) as `baseUrl`. */
export function databaseUrl(baseUrl: string, name: string): string {
  const url = new URL(baseUrl);
  url.pathname = `/${encodeURIComponent(name)}`;
  return url.toString();
}

/** Creates an empty database `name` on the server of `baseUrl` and returns its URL. */
export async function createDatabase(baseUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl(baseUrl, "postgres") });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${quoteIdentifier(name)}`);
  } finally {
    await client.end();
  }
  return databaseUrl(baseUrl, name);
}

/** Starts a throwaway PostgreSQL cluster with one empty database (default name "test"). */
export async function startPostgres(options: { database?: string } = {}): Promise<PostgresCluster> {
  const binDir = findPostgresBinDir();
  const as = runAs();
  const directory = mkdtempSync(path.join(os.tmpdir(), "pg-test-"));
  const dataDir = path.join(directory, "data");
  const socketDir = path.join(directory, "socket");
  const logFile = path.join(directory, "server.log");
  let stopped = false;

  const stopSync = () => {
    if (stopped) return;
    stopped = true;
    if (existsSync(path.join(dataDir, "postmaster.pid"))) {
      const [file, argv] = as.wrap(path.join(binDir, "pg_ctl"), ["-D", dataDir, "-m", "immediate", "-w", "stop"]);
      spawnSync(file, argv, { cwd: directory, stdio: "ignore" });
    }
    rmSync(directory, { recursive: true, force: true });
  };
  // A test run that ends without calling stop() must not leave servers behind.
  process.once("exit", stopSync);

  try {
    mkdirSync(socketDir, { mode: 0o700 });
    if (as.uid !== process.getuid?.()) {
      chownSync(directory, as.uid, as.gid);
      chownSync(socketDir, as.uid, as.gid);
    }
    run(as, directory, path.join(binDir, "initdb"), [
      "-D",
      dataDir,
      "-U",
      "postgres",
      "--auth=trust",
      "--encoding=UTF8",
      "--locale=C",
      "--no-sync",
    ]);
    // Loopback TCP and the private socket only.
    writeFileSync(
      path.join(dataDir, "pg_hba.conf"),
      ["local all all trust", "host all all 127.0.0.1/32 trust", ""].join("\n"),
    );
    if (as.uid !== process.getuid?.()) chownSync(path.join(dataDir, "pg_hba.conf"), as.uid, as.gid);

    let port = 0;
    let settings: string[] = [];
    for (let attempt = 1; ; attempt++) {
      port = await reservedPort();
      settings = [
        "listen_addresses=127.0.0.1",
        `port=${port}`,
        `unix_socket_directories=${socketDir}`,
        "fsync=off",
        "synchronous_commit=off",
        "full_page_writes=off",
        "max_connections=100",
      ];
      try {
        run(as, directory, path.join(binDir, "pg_ctl"), [
          "-D",
          dataDir,
          "-l",
          logFile,
          "-w",
          "-t",
          "60",
          "-o",
          settings.map((setting) => `-c ${setting}`).join(" "),
          "start",
        ]);
        break;
      } catch (error) {
        // Another process may have taken the port between choosing and binding it.
        if (attempt >= 3) {
          const log = existsSync(logFile) ? readFileSync(logFile, "utf8").slice(-2000) : "";
          throw new Error(`${(error as Error).message}\nserver log:\n${log}`);
        }
      }
    }

    const baseUrl = `postgresql://postgres@127.0.0.1:${port}/postgres`;
    const url = await createDatabase(baseUrl, options.database ?? "test");
    const pgCtl = (args: string[]) => run(as, directory, path.join(binDir, "pg_ctl"), ["-D", dataDir, ...args]);
    return {
      url,
      directory,
      async stop() {
        process.removeListener("exit", stopSync);
        stopSync();
      },
      async pause() {
        pgCtl(["-m", "fast", "-w", "-t", "60", "stop"]);
      },
      async resume() {
        pgCtl(["-l", logFile, "-w", "-t", "60", "-o", settings.map((setting) => `-c ${setting}`).join(" "), "start"]);
      },
    };
  } catch (error) {
    process.removeListener("exit", stopSync);
    stopSync();
    throw error;
  }
}
