// Every index is written by every insert into its table, so an index that another index already
// covers costs each write a page for nothing: a non-unique index whose columns lead another index
// of the same table answers no query the longer one cannot. (access_tokens had one on user_id
// beside (user_id, device_id): one more page written at random by every login.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS } from "../../test-support/backends";
import { freshMigratedDatabase } from "../../test-support/migrated-database";
import type { Database } from "./client";
import { queryRows, sql } from "./direct-sql";

type IndexRow = {
  table_name: string;
  index_name: string;
  is_unique: unknown;
  /** A partial index (… WHERE …) covers other rows than a full one: never counted as redundant. */
  is_partial: unknown;
  /** Key columns in order, comma-separated; "(expr)" for an expression, which matches nothing. */
  columns: string;
};

// One row per index: its table, whether it is unique or partial, and its key columns in order.
const LIST_INDEXES = {
  sqlite: sql`
    SELECT m.name AS table_name, il.name AS index_name, il."unique" AS is_unique, il.partial AS is_partial,
      (SELECT group_concat(coalesce(ii.name, '(expr)'), ',' ORDER BY ii.seqno) FROM pragma_index_info(il.name) AS ii) AS columns
    FROM sqlite_master AS m, pragma_index_list(m.name) AS il
    WHERE m.type = 'table' AND substr(m.name, 1, 7) <> 'sqlite_' AND m.name <> '_prisma_migrations'`,
  postgresql: sql`
    SELECT t.relname AS table_name, i.relname AS index_name, x.indisunique AS is_unique, x.indpred IS NOT NULL AS is_partial,
      (SELECT string_agg(coalesce(a.attname, '(expr)'), ',' ORDER BY k.n) FROM unnest(x.indkey) WITH ORDINALITY AS k(attnum, n)
        LEFT JOIN pg_attribute AS a ON a.attrelid = t.oid AND a.attnum = k.attnum AND k.attnum <> 0
        WHERE k.n <= x.indnkeyatts) AS columns
    FROM pg_index AS x JOIN pg_class AS i ON i.oid = x.indexrelid JOIN pg_class AS t ON t.oid = x.indrelid
    JOIN pg_namespace AS ns ON ns.oid = t.relnamespace
    WHERE ns.nspname = current_schema() AND t.relname <> '_prisma_migrations'`,
};

type ForeignKeyRow = { table_name: string; columns: string; parent: string };

// One row per foreign key: its table, its columns in order, and the table it points at.
const LIST_FOREIGN_KEYS = {
  sqlite: sql`
    SELECT m.name AS table_name, f."table" AS parent, group_concat(f."from", ',' ORDER BY f.seq) AS columns
    FROM sqlite_master AS m, pragma_foreign_key_list(m.name) AS f
    WHERE m.type = 'table' AND substr(m.name, 1, 7) <> 'sqlite_' AND m.name <> '_prisma_migrations'
    GROUP BY m.name, f.id`,
  postgresql: sql`
    SELECT t.relname AS table_name, p.relname AS parent,
      (SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)
        JOIN pg_attribute AS a ON a.attrelid = t.oid AND a.attnum = k.attnum) AS columns
    FROM pg_constraint AS c JOIN pg_class AS t ON t.oid = c.conrelid JOIN pg_class AS p ON p.oid = c.confrelid
    JOIN pg_namespace AS ns ON ns.oid = t.relnamespace
    WHERE c.contype = 'f' AND ns.nspname = current_schema()`,
};

/**
 * Foreign keys left without an index on purpose: deleting or renaming the parent row scans the
 * table, which the state purge keeps to a few minutes of rows (lib/maintenance/state-purge.ts), and
 * an index would cost every SSO login one more page written.
 */
const UNINDEXED_FOREIGN_KEYS = new Set(["login_tokens (user_id)"]);

/** A flag column as either database answers it (SQLite 0/1, PostgreSQL a boolean). */
const isSet = (value: unknown) => value === true || value === 1 || value === 1n || value === "1";

/** Each non-unique, non-partial index whose key columns lead another full index of its table. */
function redundantIndexes(indexes: IndexRow[]): string[] {
  const redundant: string[] = [];
  for (const index of indexes) {
    if (isSet(index.is_unique) || isSet(index.is_partial)) continue;
    const columns = index.columns.split(",");
    const covering = indexes.find((other) => {
      if (other === index || other.table_name !== index.table_name || isSet(other.is_partial)) return false;
      const longer = other.columns.split(",");
      const leads = longer.length >= columns.length && columns.every((column, n) => column !== "(expr)" && longer[n] === column);
      // Of two indexes on the same columns, a unique one covers the other; of two plain ones, either.
      return leads && (longer.length > columns.length || isSet(other.is_unique) || other.index_name < index.index_name);
    });
    if (covering) redundant.push(`${index.table_name}.${index.index_name} (${index.columns}) is covered by ${covering.index_name} (${covering.columns})`);
  }
  return redundant;
}

describe("what counts as a redundant index", () => {
  const row = (index_name: string, columns: string, extra: Partial<IndexRow> = {}): IndexRow => ({
    table_name: "t", index_name, is_unique: 0, is_partial: 0, columns, ...extra,
  });
  it("a plain index on the leading columns of another, or on the same columns as a unique one", () => {
    expect(redundantIndexes([row("t_a_idx", "a"), row("t_a_b_idx", "a,b")])).toHaveLength(1);
    expect(redundantIndexes([row("t_a_idx", "a"), row("t_a_key", "a", { is_unique: 1 })])).toEqual(["t.t_a_idx (a) is covered by t_a_key (a)"]);
  });
  it("not an index on other columns, a partial one, one on an expression, or a unique one", () => {
    expect(redundantIndexes([row("t_b_idx", "b"), row("t_a_b_idx", "a,b")])).toEqual([]);
    expect(redundantIndexes([row("t_a_idx", "a", { is_partial: 1 }), row("t_a_b_idx", "a,b")])).toEqual([]);
    expect(redundantIndexes([row("t_a_idx", "a"), row("t_a_b_idx", "a,b", { is_partial: true })])).toEqual([]);
    expect(redundantIndexes([row("t_x_idx", "(expr)"), row("t_x_b_idx", "(expr),b")])).toEqual([]);
    expect(redundantIndexes([row("t_a_key", "a", { is_unique: 1 }), row("t_a_b_idx", "a,b")])).toEqual([]);
  });
});

describe.each(BACKENDS)("the migrated schema's indexes on %s", (backend) => {
  let database: Database;

  beforeAll(async () => {
    database = await freshMigratedDatabase(backend);
  });
  afterAll(async () => {
    await database.$disconnect();
  });

  it("has no index that only repeats the leading columns of another index of its table", async () => {
    const indexes = await queryRows<IndexRow>(database, LIST_INDEXES[backend]);
    expect(indexes.some((index) => index.table_name === "access_tokens")).toBe(true);
    const redundant = redundantIndexes(indexes);
    expect(redundant).toEqual([]);
  });

  it("has an index led by the columns of every foreign key, so that a cascade from the parent finds its rows", async () => {
    const indexes = await queryRows<IndexRow>(database, LIST_INDEXES[backend]);
    const foreignKeys = await queryRows<ForeignKeyRow>(database, LIST_FOREIGN_KEYS[backend]);
    expect(foreignKeys.some((key) => key.table_name === "access_tokens" && key.parent === "refresh_tokens")).toBe(true);
    const unindexed = foreignKeys
      .filter((key) => !indexes.some((index) => index.table_name === key.table_name && !isSet(index.is_partial) && `${index.columns},`.startsWith(`${key.columns},`)))
      .map((key) => `${key.table_name} (${key.columns})`)
      .filter((key) => !UNINDEXED_FOREIGN_KEYS.has(key));
    expect(unindexed).toEqual([]);
  });
});
