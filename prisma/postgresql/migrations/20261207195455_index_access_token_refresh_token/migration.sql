-- CreateIndex
CREATE INDEX "access_tokens_refresh_token_id_idx" ON "access_tokens"("refresh_token_id");
