-- DropIndex
DROP INDEX "access_tokens_user_id_idx";
