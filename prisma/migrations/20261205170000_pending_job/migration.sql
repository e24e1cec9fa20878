-- CreateTable
CREATE TABLE "PendingJob" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "kind" TEXT NOT NULL,
    "request" TEXT NOT NULL,
    "interactionId" TEXT NOT NULL,
    "interactionToken" TEXT,
    "applicationId" TEXT NOT NULL,
    "channelId" TEXT NOT NULL,
    "guildId" TEXT,
    "userId" TEXT NOT NULL,
    "workDir" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "tokenExpiresAt" DATETIME NOT NULL,
    "interruptedAt" DATETIME
);

-- CreateIndex
CREATE INDEX "PendingJob_interruptedAt_idx" ON "PendingJob"("interruptedAt");
