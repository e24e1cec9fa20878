-- CreateTable
CREATE TABLE "Guild" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "User" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "Piece" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "guildId" TEXT,
    "authorId" TEXT,
    "channelId" TEXT,
    "messageId" TEXT,
    "seed" TEXT,
    "parameters" TEXT NOT NULL DEFAULT '{}',
    "tokens" BLOB,
    "style" TEXT NOT NULL,
    "key" TEXT,
    "tempo" REAL,
    "bars" INTEGER,
    "modelVersion" TEXT,
    "midiPath" TEXT,
    "audioPath" TEXT,
    "imagePath" TEXT,
    "kind" TEXT NOT NULL DEFAULT 'original',
    "parentId" INTEGER,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Piece_guildId_fkey" FOREIGN KEY ("guildId") REFERENCES "Guild" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Piece_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Piece_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "Piece" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Rating" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "pieceId" INTEGER NOT NULL,
    "userId" TEXT NOT NULL,
    "emoji" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "removedAt" DATETIME,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Rating_pieceId_fkey" FOREIGN KEY ("pieceId") REFERENCES "Piece" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Rating_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ModelVersion" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "parentName" TEXT,
    "guildId" TEXT,
    "status" TEXT NOT NULL DEFAULT 'candidate',
    "reason" TEXT,
    "metrics" TEXT NOT NULL DEFAULT '{}',
    "cardPath" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "activatedAt" DATETIME,
    CONSTRAINT "ModelVersion_parentName_fkey" FOREIGN KEY ("parentName") REFERENCES "ModelVersion" ("name") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "ModelVersion_guildId_fkey" FOREIGN KEY ("guildId") REFERENCES "Guild" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "RetrainRun" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "guildId" TEXT,
    "startedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME,
    "status" TEXT NOT NULL DEFAULT 'running',
    "ratingsUsed" INTEGER NOT NULL DEFAULT 0,
    "baseModel" TEXT,
    "candidate" TEXT,
    "result" TEXT,
    CONSTRAINT "RetrainRun_guildId_fkey" FOREIGN KEY ("guildId") REFERENCES "Guild" ("id") ON DELETE CASCADE ON UPDATE CASCADE
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
