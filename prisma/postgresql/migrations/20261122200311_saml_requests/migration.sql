-- CreateTable
CREATE TABLE "saml_requests" (
    "id" TEXT NOT NULL,
    "client_redirect_url" TEXT NOT NULL,
    "ui_auth_session_id" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "saml_requests_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "saml_requests_expires_at_idx" ON "saml_requests"("expires_at");
