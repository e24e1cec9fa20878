/** The worked examples of docs/tokens.md, built from code so the document cannot drift. */
import { createPiece, type Piece } from '../../src/music/piece.js';
import { parseSeed } from '../../src/music/seed.js';
import { encodePiece, formatTokenStream } from '../../src/music/tokens.js';

const note = (pitch: number, start: number, duration: number, velocity = 80) => ({ pitch, start, duration, velocity });

export interface TokenExample {
  readonly title: string;
  readonly source: string;
  readonly style: 'classical' | 'folk' | 'game';
  readonly piece: Piece;
}

export const TOKEN_EXAMPLES: readonly TokenExample[] = [
  {
    title: 'single-track',
    source: "parseSeed('3/4 D4q F#4e G4e A4q | [D4 F#4 A4]h. | D5w+h')",
    style: 'folk',
    piece: parseSeed('3/4 D4q F#4e G4e A4q | [D4 F#4 A4]h. | D5w+h'),
  },
  {
    title: 'multi-track',
    source: 'flute (program 73), bass (program 33) and drums, two bars of 4/4, a louder last flute note',
    style: 'game',
    piece: createPiece([
      { name: 'flute', program: 73, isDrum: false, notes: [note(72, 0, 1), note(74, 1, 0.5), note(76, 1.5, 0.5), note(79, 4, 4, 104)] },
      { name: 'bass', program: 33, isDrum: false, notes: [note(36, 0, 2), note(43, 2, 2), note(36, 4, 4)] },
      { name: 'drums', program: 0, isDrum: true, notes: [note(36, 0, 0.25), note(42, 1, 0.25), note(38, 2, 0.25), note(42, 3, 0.25), note(36, 4, 0.25)] },
    ]),
  },
];

/** The Markdown code block the document shows for an example. */
export function exampleBlock(example: TokenExample): string {
  const ids = encodePiece(example.piece, { style: example.style, stepsPerQuarter: 4 });
  return ['```text', `# ${example.title}: ${example.source} — ${ids.length} tokens`, formatTokenStream(ids), '```'].join('\n');
}
