-- CreateTable
CREATE TABLE "TakePair" (
    "id" SERIAL NOT NULL,
    "pieceAId" INTEGER NOT NULL,
    "pieceBId" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TakePair_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "TakePair_pieceAId_key" ON "TakePair"("pieceAId");

-- CreateIndex
CREATE UNIQUE INDEX "TakePair_pieceBId_key" ON "TakePair"("pieceBId");

-- AddForeignKey
ALTER TABLE "TakePair" ADD CONSTRAINT "TakePair_pieceAId_fkey" FOREIGN KEY ("pieceAId") REFERENCES "Piece"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TakePair" ADD CONSTRAINT "TakePair_pieceBId_fkey" FOREIGN KEY ("pieceBId") REFERENCES "Piece"("id") ON DELETE CASCADE ON UPDATE CASCADE;
