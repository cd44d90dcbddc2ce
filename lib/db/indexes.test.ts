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
  columns: string;
};

// One row per index: its table, whether it is unique, and its columns in order, comma-separated.
const LIST_INDEXES = {
  sqlite: sql`
    SELECT m.name AS table_name, il.name AS index_name, il."unique" AS is_unique,
      (SELECT group_concat(name, ',') FROM (SELECT ii.name FROM pragma_index_info(il.name) AS ii ORDER BY ii.seqno)) AS columns
    FROM sqlite_master AS m, pragma_index_list(m.name) AS il
    WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_prisma_migrations'`,
  postgresql: sql`
    SELECT t.relname AS table_name, i.relname AS index_name, x.indisunique AS is_unique,
      (SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM unnest(x.indkey) WITH ORDINALITY AS k(attnum, n)
        JOIN pg_attribute AS a ON a.attrelid = t.oid AND a.attnum = k.attnum) AS columns
    FROM pg_index AS x JOIN pg_class AS i ON i.oid = x.indexrelid JOIN pg_class AS t ON t.oid = x.indrelid
    JOIN pg_namespace AS ns ON ns.oid = t.relnamespace
    WHERE ns.nspname = current_schema() AND t.relname <> '_prisma_migrations'`,
};

const unique = (value: unknown) => value === true || value === 1 || value === 1n || value === "1";

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
    const redundant: string[] = [];
    for (const index of indexes) {
      if (unique(index.is_unique)) continue;
      const columns = index.columns.split(",");
      const covering = indexes.find((other) => {
        if (other === index || other.table_name !== index.table_name) return false;
        const longer = other.columns.split(",");
        return longer.length >= columns.length && columns.every((column, n) => longer[n] === column) && (longer.length > columns.length || other.index_name < index.index_name);
      });
      if (covering) redundant.push(`${index.table_name}.${index.index_name} (${index.columns}) is covered by ${covering.index_name} (${covering.columns})`);
    }
    expect(redundant).toEqual([]);
  });
});
