/** `rhythmix bench render --json`: one JSON document with the realtime factor (docs/rendering.md). */
import { describe, expect, it } from 'vitest';
import { HAVE_RENDER_TOOLS } from '../render/audio-probe.js';
import { isCliBuilt, runCli } from './run-cli.js';

describe.skipIf(!HAVE_RENDER_TOOLS || !isCliBuilt())('rhythmix bench render (needs the build, FluidSynth and ffmpeg)', () => {
  it('--json prints the timing of the current pipeline', () => {
    const { status, stdout, stderr } = runCli(['bench', 'render', '--json', '--runs', '1']);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const result = JSON.parse(stdout) as Record<string, unknown>;
    expect(Object.keys(result).sort()).toEqual(
      [
        'audio_seconds',
        'best_realtime_factor',
        'goal',
        'load_average',
        'median_realtime_factor',
        'per_run_factors',
        'piece',
        'realtime_factor',
        'runs',
        'soundfont',
        'wall_seconds',
      ].sort(),
    );
    expect(result.realtime_factor).toBeGreaterThan(0);
    expect(result.runs).toBe(1);
    expect(result.goal).toBe(100);
    expect(result.per_run_factors).toHaveLength(1);
  });

  it('no longer has --compare (the old pipeline was removed)', () => {
    const { status, stderr } = runCli(['bench', 'render', '--compare']);
    expect(status).not.toBe(0);
    expect(stderr).toMatch(/unknown option '--compare'/);
  });
});
