// Prepared statements kept for reuse on a SQLite connection.
//
// Prisma's better-sqlite3 adapter prepares every statement anew (`client.prepare(sql).bind(args)`)
// although Prisma sends the same few SQL texts over and over: compiling them took 6–8 % of the
// server's CPU under token-login and availability-check load (bench/probe.ts --cpu-prof). Here the
// connection's `prepare` answers from a bounded LRU of compiled statements. better-sqlite3's
// `bind()` fixes parameters on a statement for good, so what is handed out is a view that runs the
// shared statement with the arguments given to bind() instead. better-sqlite3 is synchronous and
// the adapter never iterates, so a statement is never in use twice at once.
//
// A statement's column descriptions are kept with it too: the adapter asks for them on every read,
// and better-sqlite3 builds them afresh each time (five strings per column), which was 2.8 % of the
// server's self time under token-login load (`npx tsx bench/probe.ts token_login --cpu-prof`).
// They cannot change while the statement is cached: the server applies migrations before it serves,
// and Prisma names every column it selects (no `SELECT *` whose columns a later ALTER could change).
import type BetterSqlite3 from "better-sqlite3";

type Statement = BetterSqlite3.Statement<unknown[], unknown>;
type Parameters = unknown[];
type Columns = BetterSqlite3.ColumnDefinition[];

/** A compiled statement and, once asked for, its column descriptions. */
interface Prepared {
  readonly statement: Statement;
  columns?: Columns;
}

/** What the adapter does with a prepared statement (see @prisma/adapter-better-sqlite3). */
export interface PreparedStatementView {
  readonly reader: boolean;
  run(...parameters: Parameters): BetterSqlite3.RunResult;
  all(...parameters: Parameters): unknown[];
  columns(): BetterSqlite3.ColumnDefinition[];
  raw(toggle?: boolean): PreparedStatementView;
  bind(parameters: Parameters): PreparedStatementView;
}

// A class rather than an object of closures: one is made per statement the adapter runs, and the
// server bundle keeps function names (each closure made is renamed by a defineProperty call), which
// made every view cost ~17 µs to build (BENCHMARKS.md, token login).
class StatementView implements PreparedStatementView {
  constructor(
    private readonly prepared: Prepared,
    private readonly bound?: Parameters,
  ) {}

  get reader(): boolean {
    return this.prepared.statement.reader;
  }

  run(...parameters: Parameters): BetterSqlite3.RunResult {
    return this.bound ? this.prepared.statement.run(this.bound) : this.prepared.statement.run(...parameters);
  }

  all(...parameters: Parameters): unknown[] {
    return this.bound ? this.prepared.statement.all(this.bound) : this.prepared.statement.all(...parameters);
  }

  /** Shared by every use of the statement: frozen, so no caller can change what the next one reads. */
  columns(): Columns {
    return (this.prepared.columns ??= freezeColumns(this.prepared.statement.columns()));
  }

  raw(toggle = true): PreparedStatementView {
    this.prepared.statement.raw(toggle);
    return this;
  }

  bind(parameters: Parameters): PreparedStatementView {
    return new StatementView(this.prepared, parameters);
  }
}

/** Makes `database.prepare` reuse up to `capacity` compiled statements, least recently used out first. */
export function cachePreparedStatements(database: { prepare(sql: string): unknown }, capacity = 256): void {
  const prepare = database.prepare.bind(database) as (sql: string) => Statement;
  const cache = new Map<string, Prepared>();
  database.prepare = (sql: string) => {
    let prepared = cache.get(sql);
    if (prepared) {
      cache.delete(sql);
    } else {
      prepared = { statement: prepare(sql) };
      if (cache.size >= capacity) cache.delete(cache.keys().next().value as string);
    }
    cache.set(sql, prepared);
    return new StatementView(prepared);
  };
}

function freezeColumns(columns: Columns): Columns {
  for (const column of columns) Object.freeze(column);
  return Object.freeze(columns) as Columns;
}
