-- AlterTable
ALTER TABLE "oauth_consents" ADD COLUMN     "scope" TEXT NOT NULL DEFAULT '';
