/**
 * Child-process entry that engraves a piece's score.png after the piece was posted
 * (src/app/score-job.ts): MusicXML → Verovio → resvg → PNG. Long-lived (Verovio's wasm stays
 * instantiated between calls) and at the lowest CPU priority.
 */
import { readFile } from 'node:fs/promises';
import type { ScoreJobInput, ScoreJobOutput } from '../app/score-job.js';
import { serveCalls } from '../jobs/serve.js';
import { engraveScoreImage, warmUpEngraver } from '../render/score.js';

// Warm means loaded: Verovio's wasm is instantiated now, before the first piece waits for it.
warmUpEngraver().catch(() => undefined);

serveCalls<ScoreJobInput, ScoreJobOutput>({
  call: async (input) => engraveScoreImage(input.preview ?? (await readFile(input.musicxmlPath, 'utf8')), input.imagePath),
});
