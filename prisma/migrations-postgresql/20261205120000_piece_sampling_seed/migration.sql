-- AlterTable
ALTER TABLE "Piece" ADD COLUMN     "samplingSeed" INTEGER;
