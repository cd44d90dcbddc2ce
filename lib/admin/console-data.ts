// What the admin console's pages read. Each loader checks the admin session itself, so the data
// never leaves the server for a request the console's layout did not see (see
// require-admin-session.ts); pages read through these and never call the stores directly.
import { activeTheme, listThemeVersions } from "../theme/theme-store";
import { requireConsoleAdmin } from "./require-admin-session";
import { findUserDetails, listUsers, type UserDetails, type UserListQuery } from "./user-admin";

export async function consoleUserList(query: UserListQuery) {
  await requireConsoleAdmin();
  return listUsers(query);
}

export async function consoleUserDetails(userId: string): Promise<UserDetails | null> {
  await requireConsoleAdmin();
  return findUserDetails(userId);
}

export async function consoleThemeState() {
  await requireConsoleAdmin();
  const [{ theme, version }, versions] = await Promise.all([activeTheme(), listThemeVersions()]);
  return { theme, version, versions };
}
