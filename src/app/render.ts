/**
 * The render use case (`rhythmix render`): any MIDI file → Ogg/Opus (and a piano roll), rendered
 * the way composed pieces are.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { formatBytes, resolveMidiLimits } from '../midi/limits.js';
import { runRenderJob, type RenderJobProgress } from '../render/render-job.js';
import { InvalidInputError } from '../util/errors.js';
import { parseInput } from '../util/parse-input.js';

const seconds = z.number().positive({ error: 'must be a positive number of seconds' });

export const renderInputSchema = z
  .object({
    /** The MIDI file. */
    file: z.string().min(1),
    /** Ogg/Opus output; default next to the input, .ogg. */
    out: z.string().min(1).optional(),
    soundfont: z.string().min(1).optional(),
    /** Also draw a piano roll: true = next to the input (.png), or the file to write. */
    png: z.union([z.boolean(), z.string().min(1)]).default(false),
    maxSeconds: seconds.optional(),
    timeoutSeconds: seconds.optional(),
  })
  .strict();
export type RenderInput = z.input<typeof renderInputSchema>;

export interface RenderSummary {
  input: string;
  audio: string;
  image?: string;
  seconds: number;
  notes: number;
  loudness: number;
  peakDb: number;
  gainDb: number;
  soundfont: string;
}

async function readUserMidi(file: string): Promise<Uint8Array> {
  const { maxBytes } = resolveMidiLimits();
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new InvalidInputError(`${file} is not a file`);
    size = info.size;
  } catch (error) {
    if (error instanceof InvalidInputError) throw error;
    throw new InvalidInputError(`cannot read ${file}: no such file`);
  }
  if (size > maxBytes) throw new InvalidInputError(`${file} is ${formatBytes(size)}, over the MIDI size limit of ${formatBytes(maxBytes)}`);
  return new Uint8Array(await readFile(file));
}

function withExtension(file: string, extension: string): string {
  return path.join(path.dirname(file), `${path.basename(file, path.extname(file))}${extension}`);
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

export async function render(
  input: unknown,
  context: { onProgress?: (progress: RenderJobProgress) => void; signal?: AbortSignal } = {},
): Promise<RenderSummary> {
  const options = parseInput(renderInputSchema, input, 'render options');
  const midi = await readUserMidi(options.file);
  const audioPath = options.out ?? withExtension(options.file, '.ogg');
  const imagePath = options.png === false ? undefined : options.png === true ? withExtension(options.file, '.png') : options.png;
  const result = await runRenderJob(
    {
      input: midi,
      audioPath,
      ...(imagePath ? { imagePath } : {}),
      audio: {
        soundfont: options.soundfont,
        limits: {
          ...(options.maxSeconds ? { maxSeconds: options.maxSeconds } : {}),
          ...(options.timeoutSeconds ? { timeoutSeconds: options.timeoutSeconds } : {}),
        },
      },
      pianoRoll: { title: path.basename(options.file) },
    },
    context,
  );
  const audio = result.audio;
  if (!audio) throw new Error('rendering returned no audio');
  return {
    input: options.file,
    audio: audio.path,
    ...(result.image ? { image: result.image.path } : {}),
    seconds: round(audio.seconds, 3),
    notes: audio.notes,
    loudness: round(audio.loudness, 1),
    peakDb: round(audio.peakDb, 1),
    gainDb: round(audio.gainDb, 1),
    soundfont: audio.soundfont,
  };
}
