-- CreateTable
CREATE TABLE "TakePair" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "pieceAId" INTEGER NOT NULL,
    "pieceBId" INTEGER NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "TakePair_pieceAId_fkey" FOREIGN KEY ("pieceAId") REFERENCES "Piece" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "TakePair_pieceBId_fkey" FOREIGN KEY ("pieceBId") REFERENCES "Piece" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "TakePair_pieceAId_key" ON "TakePair"("pieceAId");

-- CreateIndex
CREATE UNIQUE INDEX "TakePair_pieceBId_key" ON "TakePair"("pieceBId");
