-- CreateTable
CREATE TABLE "oauth_objects" (
    "key" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "grant_id" TEXT,
    "uid" TEXT,
    "user_code" TEXT,
    "user_id" TEXT,
    "device_id" TEXT,
    "successor_key" TEXT,
    "consumed_at" TIMESTAMP(3),
    "expires_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "oauth_objects_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "oauth_consents" (
    "user_id" TEXT NOT NULL,
    "client_id" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "oauth_consents_pkey" PRIMARY KEY ("user_id","client_id")
);

-- CreateIndex
CREATE INDEX "oauth_objects_grant_id_idx" ON "oauth_objects"("grant_id");

-- CreateIndex
CREATE INDEX "oauth_objects_uid_idx" ON "oauth_objects"("uid");

-- CreateIndex
CREATE INDEX "oauth_objects_user_code_idx" ON "oauth_objects"("user_code");

-- CreateIndex
CREATE INDEX "oauth_objects_expires_at_idx" ON "oauth_objects"("expires_at");
