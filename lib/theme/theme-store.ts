// Saved theme versions in the database. Every instance reads the newest version through a short
// cache, so a saved theme is live everywhere within seconds without a restart.
import { db } from "../db/client";
import { logger } from "../logging/logger";
import { DEFAULT_THEME, themeSchema, type Theme, type ThemeInput } from "./theme-schema";
import { processSlot } from "../runtime/process-state";

export const THEME_CACHE_TTL_MS = 3000;

const themeCache = processSlot<{ theme: Theme; version: number | null; at: number }>("theme.cache");

function parseStored(settings: string): Theme {
  const parsed = themeSchema.safeParse(JSON.parse(settings));
  if (parsed.success) return parsed.data;
  logger.warn(`theme: a stored version no longer validates; using the default theme (${parsed.error.issues[0]?.message})`);
  return DEFAULT_THEME;
}

export async function activeTheme(): Promise<{ theme: Theme; version: number | null }> {
  const cached = themeCache.get();
  if (cached && Date.now() - cached.at < THEME_CACHE_TTL_MS) return cached;
  let entry: { theme: Theme; version: number | null };
  try {
    const latest = await db().themeVersion.findFirst({ orderBy: { id: "desc" } });
    entry = latest ? { theme: parseStored(latest.settings), version: latest.id } : { theme: DEFAULT_THEME, version: null };
  } catch (error) {
    // The pages must still render (e.g. the database is briefly away): keep the last theme we had.
    logger.warn("theme: could not load the active theme", error);
    if (cached) return cached;
    entry = { theme: DEFAULT_THEME, version: null };
  }
  themeCache.set({ ...entry, at: Date.now() });
  return entry;
}

export async function saveTheme(input: ThemeInput, createdBy: string, note?: string): Promise<number> {
  const theme = themeSchema.parse(input);
  const row = await db().themeVersion.create({ data: { settings: JSON.stringify(theme), createdBy, note: note ?? null } });
  themeCache.set(undefined);
  return row.id;
}

export async function listThemeVersions(limit = 50) {
  return db().themeVersion.findMany({ orderBy: { id: "desc" }, take: limit, select: { id: true, createdAt: true, createdBy: true, note: true } });
}

/** Makes an older version current again by saving its settings as the newest version. */
export async function rollBackTheme(versionId: number, createdBy: string): Promise<number> {
  const version = await db().themeVersion.findUnique({ where: { id: versionId } });
  if (!version) throw new Error(`no theme version ${versionId}`);
  return saveTheme(parseStored(version.settings), createdBy, `rolled back to version ${versionId}`);
}

