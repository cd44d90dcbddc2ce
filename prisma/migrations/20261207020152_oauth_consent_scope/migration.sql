-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_oauth_consents" (
    "user_id" TEXT NOT NULL,
    "client_id" TEXT NOT NULL,
    "scope" TEXT NOT NULL DEFAULT '',
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("user_id", "client_id")
);
INSERT INTO "new_oauth_consents" ("client_id", "created_at", "user_id") SELECT "client_id", "created_at", "user_id" FROM "oauth_consents";
DROP TABLE "oauth_consents";
ALTER TABLE "new_oauth_consents" RENAME TO "oauth_consents";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
