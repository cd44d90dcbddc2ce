-- CreateTable
CREATE TABLE "theme_versions" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "settings" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_by" TEXT NOT NULL,
    "note" TEXT
);

-- CreateTable
CREATE TABLE "theme_assets" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "mime_type" TEXT NOT NULL,
    "data" BLOB NOT NULL,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
