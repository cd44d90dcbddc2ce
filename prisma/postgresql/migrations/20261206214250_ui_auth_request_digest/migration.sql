-- UI-auth sessions keep a digest of the request they authorise instead of its method, URI and body.
-- Sessions in flight hold the whole body, not its digest, and cannot be matched any more: they go
-- (the new column has no value for them). A client whose session is gone starts the operation
-- again (M_UNKNOWN "Unknown session ID", as for an expired session).
DELETE FROM "ui_auth_sessions";

-- AlterTable
ALTER TABLE "ui_auth_sessions" DROP COLUMN "body",
DROP COLUMN "method",
DROP COLUMN "uri",
ADD COLUMN     "request_digest" TEXT NOT NULL;
