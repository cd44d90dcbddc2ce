-- UI-auth sessions keep a digest of the request they authorise instead of its method, URI and body.
-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_ui_auth_sessions" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "user_id" TEXT NOT NULL,
    "request_digest" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "completed" TEXT NOT NULL DEFAULT '{}',
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" DATETIME NOT NULL,
    "consumed_at" DATETIME
);
-- Sessions in flight are not copied: they hold the whole request body, not its digest, and cannot
-- be matched any more. A client whose session is gone starts the operation again (M_UNKNOWN
-- "Unknown session ID", as for an expired session).
DROP TABLE "ui_auth_sessions";
ALTER TABLE "new_ui_auth_sessions" RENAME TO "ui_auth_sessions";
CREATE INDEX "ui_auth_sessions_expires_at_idx" ON "ui_auth_sessions"("expires_at");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
