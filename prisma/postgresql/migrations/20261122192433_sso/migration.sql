-- CreateTable
CREATE TABLE "username_mapping_sessions" (
    "id_hash" TEXT NOT NULL,
    "auth_provider_id" TEXT NOT NULL,
    "auth_provider_session_id" TEXT,
    "remote_user_id" TEXT NOT NULL,
    "display_name" TEXT,
    "emails" TEXT NOT NULL DEFAULT '[]',
    "avatar_url" TEXT,
    "extra_attributes" TEXT,
    "client_redirect_url" TEXT NOT NULL,
    "chosen_localpart" TEXT,
    "use_display_name" BOOLEAN NOT NULL DEFAULT true,
    "emails_to_use" TEXT NOT NULL DEFAULT '[]',
    "last_error" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "username_mapping_sessions_pkey" PRIMARY KEY ("id_hash")
);

-- CreateTable
CREATE TABLE "sso_handoffs" (
    "id_hash" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "client_redirect_url" TEXT NOT NULL,
    "auth_provider_id" TEXT NOT NULL,
    "auth_provider_session_id" TEXT,
    "new_user" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "sso_handoffs_pkey" PRIMARY KEY ("id_hash")
);

-- CreateTable
CREATE TABLE "sso_extra_attributes" (
    "user_id" TEXT NOT NULL,
    "attributes" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sso_extra_attributes_pkey" PRIMARY KEY ("user_id")
);

-- CreateIndex
CREATE INDEX "username_mapping_sessions_expires_at_idx" ON "username_mapping_sessions"("expires_at");

-- CreateIndex
CREATE INDEX "username_mapping_sessions_auth_provider_id_auth_provider_se_idx" ON "username_mapping_sessions"("auth_provider_id", "auth_provider_session_id");

-- CreateIndex
CREATE INDEX "sso_handoffs_expires_at_idx" ON "sso_handoffs"("expires_at");
