-- CreateTable
CREATE TABLE "rate_limit_buckets" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "empty_at" REAL NOT NULL,
    "last_token" TEXT NOT NULL DEFAULT ''
);

-- CreateIndex
CREATE INDEX "rate_limit_buckets_empty_at_idx" ON "rate_limit_buckets"("empty_at");
