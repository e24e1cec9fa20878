import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Renders a C-major chord (C4 E4 G4, with a slow tremolo so it is not stationary) to Ogg/Opus with
 * ffmpeg: 48 kHz stereo, 20 ms frames — what @discordjs/voice plays as StreamType.OggOpus.
 */
export function renderChordOgg(seconds = 3): Buffer {
  const dir = mkdtempSync(path.join(tmpdir(), 'rhythmix-sim-ogg-'));
  const out = path.join(dir, 'chord.ogg');
  const chord = '(sin(2*PI*261.63*t)+sin(2*PI*329.63*t)+sin(2*PI*392*t))*0.2*(0.75+0.25*sin(2*PI*2*t))';
  try {
    execFileSync(
      'ffmpeg',
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-f',
        'lavfi',
        '-i',
        `aevalsrc=${chord}|${chord}:s=48000:d=${seconds}`,
        '-c:a',
        'libopus',
        '-b:a',
        '96k',
        '-frame_duration',
        '20',
        '-ar',
        '48000',
        '-ac',
        '2',
        out,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    return readFileSync(out);
  } catch (error) {
    throw new Error(`Rendering the test chord needs ffmpeg with libopus (apt-get install ffmpeg): ${String(error)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
