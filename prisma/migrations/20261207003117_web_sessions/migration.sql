-- CreateTable
CREATE TABLE "web_sessions" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "secret_hash" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "authenticated_at" DATETIME NOT NULL,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" DATETIME NOT NULL,
    CONSTRAINT "web_sessions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users" ("user_id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "account_link_attempts" (
    "id_hash" TEXT NOT NULL PRIMARY KEY,
    "web_session_id" TEXT NOT NULL,
    "idp_id" TEXT NOT NULL,
    "remote_user_id" TEXT,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" DATETIME NOT NULL,
    CONSTRAINT "account_link_attempts_web_session_id_fkey" FOREIGN KEY ("web_session_id") REFERENCES "web_sessions" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "web_sessions_secret_hash_key" ON "web_sessions"("secret_hash");

-- CreateIndex
CREATE INDEX "web_sessions_user_id_idx" ON "web_sessions"("user_id");

-- CreateIndex
CREATE INDEX "web_sessions_expires_at_idx" ON "web_sessions"("expires_at");

-- CreateIndex
CREATE INDEX "account_link_attempts_web_session_id_idx" ON "account_link_attempts"("web_session_id");

-- CreateIndex
CREATE INDEX "account_link_attempts_expires_at_idx" ON "account_link_attempts"("expires_at");
