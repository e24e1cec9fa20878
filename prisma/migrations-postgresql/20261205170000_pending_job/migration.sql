-- CreateTable
CREATE TABLE "PendingJob" (
    "id" SERIAL NOT NULL,
    "kind" TEXT NOT NULL,
    "request" TEXT NOT NULL,
    "interactionId" TEXT NOT NULL,
    "interactionToken" TEXT,
    "applicationId" TEXT NOT NULL,
    "channelId" TEXT NOT NULL,
    "guildId" TEXT,
    "userId" TEXT NOT NULL,
    "workDir" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "tokenExpiresAt" TIMESTAMP(3) NOT NULL,
    "interruptedAt" TIMESTAMP(3),

    CONSTRAINT "PendingJob_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "PendingJob_interruptedAt_idx" ON "PendingJob"("interruptedAt");
