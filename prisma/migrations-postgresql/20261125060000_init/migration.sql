-- CreateTable
CREATE TABLE "Guild" (
    "id" TEXT NOT NULL,
    "name" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Guild_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "User" (
    "id" TEXT NOT NULL,
    "name" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Piece" (
    "id" SERIAL NOT NULL,
    "guildId" TEXT,
    "authorId" TEXT,
    "channelId" TEXT,
    "messageId" TEXT,
    "seed" TEXT,
    "parameters" TEXT NOT NULL DEFAULT '{}',
    "tokens" BYTEA,
    "style" TEXT NOT NULL,
    "key" TEXT,
    "tempo" DOUBLE PRECISION,
    "bars" INTEGER,
    "modelVersion" TEXT,
    "midiPath" TEXT,
    "audioPath" TEXT,
    "imagePath" TEXT,
    "kind" TEXT NOT NULL DEFAULT 'original',
    "parentId" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Piece_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Rating" (
    "id" SERIAL NOT NULL,
    "pieceId" INTEGER NOT NULL,
    "userId" TEXT NOT NULL,
    "emoji" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "removedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Rating_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ModelVersion" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "parentName" TEXT,
    "guildId" TEXT,
    "status" TEXT NOT NULL DEFAULT 'candidate',
    "reason" TEXT,
    "metrics" TEXT NOT NULL DEFAULT '{}',
    "cardPath" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "activatedAt" TIMESTAMP(3),

    CONSTRAINT "ModelVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RetrainRun" (
    "id" SERIAL NOT NULL,
    "guildId" TEXT,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),
    "status" TEXT NOT NULL DEFAULT 'running',
    "ratingsUsed" INTEGER NOT NULL DEFAULT 0,
    "baseModel" TEXT,
    "candidate" TEXT,
    "result" TEXT,

    CONSTRAINT "RetrainRun_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Piece_messageId_key" ON "Piece"("messageId");

-- CreateIndex
CREATE INDEX "Piece_createdAt_idx" ON "Piece"("createdAt");

-- CreateIndex
CREATE INDEX "Piece_guildId_createdAt_idx" ON "Piece"("guildId", "createdAt");

-- CreateIndex
CREATE INDEX "Piece_parentId_idx" ON "Piece"("parentId");

-- CreateIndex
CREATE INDEX "Rating_updatedAt_idx" ON "Rating"("updatedAt");

-- CreateIndex
CREATE UNIQUE INDEX "Rating_pieceId_userId_emoji_key" ON "Rating"("pieceId", "userId", "emoji");

-- CreateIndex
CREATE UNIQUE INDEX "ModelVersion_name_key" ON "ModelVersion"("name");

-- CreateIndex
CREATE INDEX "ModelVersion_guildId_status_idx" ON "ModelVersion"("guildId", "status");

-- CreateIndex
CREATE INDEX "RetrainRun_startedAt_idx" ON "RetrainRun"("startedAt");

-- AddForeignKey
ALTER TABLE "Piece" ADD CONSTRAINT "Piece_guildId_fkey" FOREIGN KEY ("guildId") REFERENCES "Guild"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Piece" ADD CONSTRAINT "Piece_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Piece" ADD CONSTRAINT "Piece_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "Piece"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Rating" ADD CONSTRAINT "Rating_pieceId_fkey" FOREIGN KEY ("pieceId") REFERENCES "Piece"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Rating" ADD CONSTRAINT "Rating_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ModelVersion" ADD CONSTRAINT "ModelVersion_parentName_fkey" FOREIGN KEY ("parentName") REFERENCES "ModelVersion"("name") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ModelVersion" ADD CONSTRAINT "ModelVersion_guildId_fkey" FOREIGN KEY ("guildId") REFERENCES "Guild"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RetrainRun" ADD CONSTRAINT "RetrainRun_guildId_fkey" FOREIGN KEY ("guildId") REFERENCES "Guild"("id") ON DELETE CASCADE ON UPDATE CASCADE;
