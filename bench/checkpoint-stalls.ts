// How long the event loop waits on SQLite per write transaction, with WAL checkpoints on the
// committing connection (SQLite's default, every 1,000 pages) or in lib/db/sqlite-checkpointer.ts's
// thread (the server's connection then checkpointing itself every SERVER_AUTOCHECKPOINT_PAGES,
// 32,000 pages, which a round of the default length reaches a few times: its stall is the round's
// max). The transactions have a token login's shape (a delete, a device row, an access-token row
// with its indexes), one every ~1 ms as at ~1,000 logins/s.
//
//   npx tsx bench/checkpoint-stalls.ts [--transactions=15000] [--rounds=2]
//
// Prints, per setting and round, the time one transaction holds the event loop (p50, p99, p99.9,
// max), how many took over 5 ms, their sum, and the log's size at the end. Bounded: at most
// --transactions per round, each round under ~15 s.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import Database from "better-sqlite3";
import { SERVER_AUTOCHECKPOINT_PAGES, startSqliteCheckpointer } from "../lib/db/sqlite-checkpointer";

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => Number(args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
const transactions = option("transactions", 15_000);
const rounds = option("rounds", 2);

async function measure(thread: boolean): Promise<string> {
  const directory = mkdtempSync(path.join(os.tmpdir(), "hs-bench-checkpoint-"));
  const file = path.join(directory, "homeserver.db");
  const connection = new Database(file, { timeout: 5000 });
  connection.pragma("journal_mode = WAL");
  connection.pragma("synchronous = NORMAL");
  connection.exec(`
    CREATE TABLE access_tokens (token TEXT PRIMARY KEY, user_id TEXT NOT NULL, device_id TEXT NOT NULL, created INTEGER NOT NULL);
    CREATE INDEX access_tokens_user ON access_tokens (user_id);
    CREATE INDEX access_tokens_device ON access_tokens (device_id, user_id);
    CREATE TABLE devices (user_id TEXT NOT NULL, device_id TEXT NOT NULL, name TEXT, PRIMARY KEY (user_id, device_id));
    CREATE TABLE login_tokens (token TEXT PRIMARY KEY, user_id TEXT NOT NULL);`);
  const seed = connection.prepare("INSERT INTO access_tokens VALUES (?, ?, ?, ?)");
  connection.transaction(() => {
    for (let n = 0; n < 20_000; n++) seed.run(randomBytes(16).toString("hex"), `@u${n % 1000}:bench`, `D${n}`, n);
  })();
  connection.pragma("wal_checkpoint(TRUNCATE)");
  const checkpointer = thread ? startSqliteCheckpointer(file) : undefined;
  connection.pragma(`wal_autocheckpoint = ${thread ? SERVER_AUTOCHECKPOINT_PAGES : 1000}`);
  const consume = connection.prepare("DELETE FROM login_tokens WHERE token = ?");
  const device = connection.prepare("INSERT INTO devices VALUES (?, ?, ?)");
  const token = connection.prepare("INSERT INTO access_tokens VALUES (?, ?, ?, ?)");
  const login = connection.transaction((n: number) => {
    consume.run(`login-${n}`);
    device.run(`@u${n % 1000}:bench`, `B${n}`, "bench");
    token.run(randomBytes(16).toString("hex"), `@u${n % 1000}:bench`, `B${n}`, n);
  });
  const held: number[] = [];
  const deadline = Date.now() + 15_000;
  await new Promise<void>((resolve) => {
    let n = 0;
    const step = () => {
      const started = process.hrtime.bigint();
      login(n);
      held.push(Number(process.hrtime.bigint() - started) / 1e6);
      if (++n < transactions && Date.now() < deadline) setTimeout(step, 0.8);
      else resolve();
    };
    setTimeout(step, 200);
  });
  const walMb = statSync(`${file}-wal`).size / 1e6;
  await checkpointer?.release();
  connection.close();
  rmSync(directory, { recursive: true, force: true });
  held.sort((a, b) => a - b);
  const at = (q: number) => held[Math.min(held.length - 1, Math.floor(q * held.length))].toFixed(2);
  const slow = held.filter((ms) => ms > 5);
  return [
    `${thread ? "thread" : "on commit"}: ${held.length} transactions`,
    `p50 ${at(0.5)} ms, p99 ${at(0.99)}, p99.9 ${at(0.999)}, max ${held[held.length - 1].toFixed(2)}`,
    `${slow.length} over 5 ms (${slow.reduce((sum, ms) => sum + ms, 0).toFixed(0)} ms in all)`,
    `event loop held ${held.reduce((sum, ms) => sum + ms, 0).toFixed(0)} ms in all; log ${walMb.toFixed(1)} MB`,
  ].join("; ");
}

async function main(): Promise<void> {
  console.log(`npx tsx bench/checkpoint-stalls.ts --transactions=${transactions} --rounds=${rounds}`);
  for (let round = 0; round < rounds; round++) {
    for (const thread of [false, true]) console.log(await measure(thread));
  }
}

void main();
