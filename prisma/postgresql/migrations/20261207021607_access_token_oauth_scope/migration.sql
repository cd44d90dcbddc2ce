-- AlterTable
ALTER TABLE "access_tokens" ADD COLUMN     "oauth_scope" TEXT;

-- OAuth tokens issued before this column: not /login tokens. Their scope is not copied (they last
-- minutes), so until they expire they are refused on the admin API rather than taken for /login's.
UPDATE "access_tokens" SET "oauth_scope" = '' WHERE "token_hash" IN (SELECT substring("key" from 13) FROM "oauth_objects" WHERE "model" = 'AccessToken');
