-- AlterTable
ALTER TABLE "username_mapping_sessions" ADD COLUMN "terms_accepted_version" TEXT;

-- AlterTable
ALTER TABLE "users" ADD COLUMN "consent_ts" DATETIME;
ALTER TABLE "users" ADD COLUMN "consent_version" TEXT;
