// Writes prisma/postgresql/schema.prisma from prisma/schema.prisma (the single source of the data
// model). A Prisma client and its migrations belong to one database provider, so PostgreSQL gets
// its own copy in which only three things differ: the header comment, the datasource provider and
// the generator output. Idempotent: the file is only written when its content would change.
//
//   npx tsx scripts/db/sync-schemas.ts
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

export const SOURCE_SCHEMA = path.join("prisma", "schema.prisma");
export const POSTGRES_SCHEMA = path.join("prisma", "postgresql", "schema.prisma");
const POSTGRES_OUTPUT = "../../lib/db/generated/postgresql";

const GENERATED_HEADER = [
  "// GENERATED FILE: do not edit. Edit prisma/schema.prisma and run `npm run db:generate`.",
  "//",
  "// The PostgreSQL copy of the data model, written by scripts/db/sync-schemas.ts from",
  "// prisma/schema.prisma. Only the datasource provider and the generator output differ.",
].join("\n");

/** Replaces `key = <value>` inside the first `<kind> <name> { … }` block. */
function replaceInBlock(schema: string, kind: "generator" | "datasource", key: string, value: string): string {
  const block = new RegExp(`^(${kind}\\s+\\w+\\s*\\{)([^}]*)(\\})`, "m");
  const match = block.exec(schema);
  if (!match) throw new Error(`${SOURCE_SCHEMA}: no \`${kind}\` block found`);
  const line = new RegExp(`^(\\s*${key}\\s*=\\s*)"[^"]*"`, "m");
  if (!line.test(match[2])) throw new Error(`${SOURCE_SCHEMA}: the \`${kind}\` block has no \`${key}\``);
  const body = match[2].replace(line, `$1"${value}"`);
  return schema.slice(0, match.index) + match[1] + body + match[3] + schema.slice(match.index + match[0].length);
}

/** The PostgreSQL schema for a given SQLite source schema. */
export function toPostgresSchema(source: string): string {
  // Swap the leading comment block (the file's header) for the "generated" notice.
  const lines = source.replace(/\r\n/g, "\n").split("\n");
  let bodyStart = 0;
  while (bodyStart < lines.length && lines[bodyStart].startsWith("//")) bodyStart++;
  let schema = `${GENERATED_HEADER}\n${lines.slice(bodyStart).join("\n")}`;
  schema = replaceInBlock(schema, "datasource", "provider", "postgresql");
  schema = replaceInBlock(schema, "generator", "output", POSTGRES_OUTPUT);
  return schema;
}

/** Writes the PostgreSQL schema if it is missing or stale; returns its path and whether it changed. */
export function syncSchemas(projectRoot: string = process.cwd()): { file: string; changed: boolean } {
  const source = readFileSync(path.join(projectRoot, SOURCE_SCHEMA), "utf8");
  const file = path.join(projectRoot, POSTGRES_SCHEMA);
  const wanted = toPostgresSchema(source);
  if (existsSync(file) && readFileSync(file, "utf8") === wanted) return { file, changed: false };
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, wanted);
  return { file, changed: true };
}

if (require.main === module) {
  const { file, changed } = syncSchemas();
  process.stdout.write(`${path.relative(process.cwd(), file)} ${changed ? "written" : "up to date"}\n`);
}
