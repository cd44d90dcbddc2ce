-- AlterTable
ALTER TABLE "access_tokens" ADD COLUMN "last_validated_at" DATETIME;
