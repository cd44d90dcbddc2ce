-- CreateTable
CREATE TABLE "rate_limit_buckets" (
    "key" TEXT NOT NULL,
    "empty_at" DOUBLE PRECISION NOT NULL,
    "last_token" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "rate_limit_buckets_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "rate_limit_buckets_empty_at_idx" ON "rate_limit_buckets"("empty_at");
