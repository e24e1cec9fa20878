/**
 * FluidSynth file rendering: float PCM on stdout, no audio or MIDI driver. The options and the
 * environment below were chosen by measurement (`rhythmix bench render`, docs/rendering.md); each one keeps
 * the sound and cuts time.
 */
import os from 'node:os';
import type { Environment } from '../config/env-file.js';
import { processEnvironment } from '../config/environment.js';
import { withHugePageMalloc } from '../util/malloc-tunables.js';

/** Frames per write: 4096 (85 ms) instead of 512 means an eighth as many pipe writes and reads. */
const PERIOD_FRAMES = 4096;

export interface FluidsynthOptions {
  readonly sampleRate: number;
  /**
   * Threads FluidSynth renders voices on (`synth.cpu-cores`). The output is bit-identical to one
   * thread; on a machine with two free cores the synthesis takes about 60 % of the time.
   */
  readonly threads: number;
}

export function fluidsynthArgs(soundfont: string, midiPath: string, options: FluidsynthOptions): string[] {
  return [
    '-n',
    '-i',
    '-q', // no MIDI driver, no shell, quiet
    '-r',
    String(options.sampleRate),
    '-z',
    String(PERIOD_FRAMES),
    '-T',
    'raw',
    '-O',
    'float',
    '-E',
    'little',
    '-F',
    '-',
    '-R',
    '1',
    '-C',
    '1',
    '-o',
    'synth.reverb.room-size=0.5',
    '-o',
    'synth.reverb.damp=0.3',
    '-o',
    'synth.reverb.width=0.8',
    '-o',
    'synth.reverb.level=0.6',
    '-o',
    'synth.chorus.level=1.2',
    '-o',
    'synth.polyphony=256',
    '-o',
    `synth.cpu-cores=${Math.max(1, Math.floor(options.threads))}`,
    // Load only the samples the piece uses: large soundfonts (FluidR3 is 141 MB) start much faster.
    '-o',
    'synth.dynamic-sample-loading=1',
    soundfont,
    midiPath,
  ];
}

/** Voice threads for one render: two where the machine has them (a render job is given two cores). */
export function defaultSynthThreads(): number {
  return Math.min(2, os.availableParallelism());
}

/**
 * The environment FluidSynth runs in.
 * - `SDL_AUDIODRIVER=dummy`: FluidSynth ≥ 2.2 initialises SDL2 audio at start-up even when it only
 *   writes a file; with the dummy driver SDL neither probes PulseAudio/ALSA nor starts its ALSA
 *   hot-plug thread, whose 100 ms sleeps otherwise delay the exit.
 * - huge pages for malloc (withHugePageMalloc): the soundfont's samples (about 20 MB for a GM piano
 *   and drum kit) load with a few page faults, which halves FluidSynth's start-up on VMs.
 */
export function fluidsynthEnv(base: Environment = processEnvironment()): NodeJS.ProcessEnv {
  return { ...withHugePageMalloc({ ...base }), SDL_AUDIODRIVER: base.SDL_AUDIODRIVER ?? 'dummy' };
}
