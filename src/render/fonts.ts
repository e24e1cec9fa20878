/**
 * Fonts for the piano-roll text. resvg draws no text without a font, and scanning every system
 * font is slow, so known DejaVu files (Debian `fonts-dejavu-core`, installed by scripts/setup.sh)
 * are loaded directly; otherwise resvg falls back to scanning the system fonts.
 */
import { existsSync } from 'node:fs';

export const FONT_FAMILY = 'DejaVu Sans';

const DEJAVU_DIRS = ['/usr/share/fonts/truetype/dejavu', '/usr/share/fonts/TTF', '/usr/share/fonts/dejavu'];
const DEJAVU_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'];

export interface FontSetup {
  readonly fontFiles: string[];
  readonly loadSystemFonts: boolean;
  readonly defaultFontFamily: string;
}

let cached: FontSetup | undefined;

export function pianoRollFonts(): FontSetup {
  if (cached) return cached;
  const files = DEJAVU_DIRS.flatMap((dir) => DEJAVU_FILES.map((name) => `${dir}/${name}`)).filter((f) => existsSync(f));
  cached =
    files.length > 0
      ? { fontFiles: files, loadSystemFonts: false, defaultFontFamily: FONT_FAMILY }
      : { fontFiles: [], loadSystemFonts: true, defaultFontFamily: FONT_FAMILY };
  return cached;
}
