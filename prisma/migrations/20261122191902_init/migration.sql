-- CreateTable
CREATE TABLE "users" (
    "user_id" TEXT NOT NULL PRIMARY KEY,
    "user_id_lower" TEXT NOT NULL,
    "lower_id_claim" TEXT,
    "password_hash" TEXT,
    "admin" BOOLEAN NOT NULL DEFAULT false,
    "deactivated" BOOLEAN NOT NULL DEFAULT false,
    "display_name" TEXT,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_login_at" DATETIME
);

-- CreateTable
CREATE TABLE "user_external_ids" (
    "auth_provider" TEXT NOT NULL,
    "external_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("auth_provider", "external_id"),
    CONSTRAINT "user_external_ids_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users" ("user_id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "user_threepids" (
    "medium" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "validated_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "added_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("medium", "address"),
    CONSTRAINT "user_threepids_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users" ("user_id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "devices" (
    "user_id" TEXT NOT NULL,
    "device_id" TEXT NOT NULL,
    "display_name" TEXT,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" DATETIME,
    "last_seen_ip" TEXT,
    "auth_provider_id" TEXT,
    "auth_provider_session_id" TEXT,

    PRIMARY KEY ("user_id", "device_id"),
    CONSTRAINT "devices_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users" ("user_id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "access_tokens" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "token_hash" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "device_id" TEXT,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" DATETIME,
    "used_at" DATETIME,
    "refresh_token_id" INTEGER,
    CONSTRAINT "access_tokens_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users" ("user_id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "access_tokens_user_id_device_id_fkey" FOREIGN KEY ("user_id", "device_id") REFERENCES "devices" ("user_id", "device_id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "access_tokens_refresh_token_id_fkey" FOREIGN KEY ("refresh_token_id") REFERENCES "refresh_tokens" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "refresh_tokens" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "token_hash" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "device_id" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" DATETIME,
    "ultimate_expires_at" DATETIME,
    "next_refresh_token_id" INTEGER,
    CONSTRAINT "refresh_tokens_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users" ("user_id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "refresh_tokens_user_id_device_id_fkey" FOREIGN KEY ("user_id", "device_id") REFERENCES "devices" ("user_id", "device_id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "refresh_tokens_next_refresh_token_id_fkey" FOREIGN KEY ("next_refresh_token_id") REFERENCES "refresh_tokens" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "login_tokens" (
    "token_hash" TEXT NOT NULL PRIMARY KEY,
    "user_id" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" DATETIME NOT NULL,
    "used_at" DATETIME,
    "auth_provider_id" TEXT,
    "auth_provider_session_id" TEXT,
    CONSTRAINT "login_tokens_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users" ("user_id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "users_lower_id_claim_key" ON "users"("lower_id_claim");

-- CreateIndex
CREATE INDEX "users_user_id_lower_idx" ON "users"("user_id_lower");

-- CreateIndex
CREATE INDEX "user_external_ids_user_id_idx" ON "user_external_ids"("user_id");

-- CreateIndex
CREATE INDEX "user_threepids_user_id_idx" ON "user_threepids"("user_id");

-- CreateIndex
CREATE INDEX "devices_auth_provider_id_auth_provider_session_id_idx" ON "devices"("auth_provider_id", "auth_provider_session_id");

-- CreateIndex
CREATE UNIQUE INDEX "access_tokens_token_hash_key" ON "access_tokens"("token_hash");

-- CreateIndex
CREATE INDEX "access_tokens_user_id_idx" ON "access_tokens"("user_id");

-- CreateIndex
CREATE INDEX "access_tokens_user_id_device_id_idx" ON "access_tokens"("user_id", "device_id");

-- CreateIndex
CREATE UNIQUE INDEX "refresh_tokens_token_hash_key" ON "refresh_tokens"("token_hash");

-- CreateIndex
CREATE UNIQUE INDEX "refresh_tokens_next_refresh_token_id_key" ON "refresh_tokens"("next_refresh_token_id");

-- CreateIndex
CREATE INDEX "refresh_tokens_user_id_device_id_idx" ON "refresh_tokens"("user_id", "device_id");

-- CreateIndex
CREATE INDEX "login_tokens_expires_at_idx" ON "login_tokens"("expires_at");

-- CreateIndex
CREATE INDEX "login_tokens_auth_provider_id_auth_provider_session_id_idx" ON "login_tokens"("auth_provider_id", "auth_provider_session_id");
