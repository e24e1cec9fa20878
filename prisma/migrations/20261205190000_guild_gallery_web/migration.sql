-- AlterTable
ALTER TABLE "Guild" ADD COLUMN "galleryEnabled" BOOLEAN NOT NULL DEFAULT false;
