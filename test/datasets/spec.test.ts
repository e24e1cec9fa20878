import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inferStyle, openDataset } from '../../src/datasets/spec.js';
import { datasetsRoot, DATASETS_ENV, projectRoot } from '../../src/datasets/paths.js';
import { InvalidInputError } from '../../src/util/errors.js';
import { tune, writeFiles } from './fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'rhythmix-spec-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

writeFiles({
  [join(root, 'nottingham/train/b.mid')]: tune(),
  [join(root, 'nottingham/train/a.mid')]: tune(),
  [join(root, 'nottingham/valid/c.MIDI')]: tune(),
  [join(root, 'nottingham/valid/readme.txt')]: 'not a tune',
  [join(root, 'game-music/freedoom/x.mid')]: tune(7),
  [join(root, 'game-music/openmsx/y.mid')]: tune(2),
  [join(root, 'game-music/planetblupi/z.mid')]: tune(1),
  [join(root, 'mixed/tune.mid')]: tune(),
});

describe('dataset specs', () => {
  it('infers styles from paths', () => {
    expect(inferStyle('/data/nottingham/valid')).toBe('folk');
    expect(inferStyle('/data/JSB-chorales')).toBe('classical');
    expect(inferStyle('../game-music/openmsx')).toBe('game');
    expect(inferStyle('/home/me/songs')).toBeUndefined();
  });

  it('nottingham: MIDI files only, sorted, with the standard split from the folders', async () => {
    const dataset = await openDataset('nottingham', { root });
    expect(dataset.style).toBe('folk');
    expect(dataset.entries.map((e) => [e.id, e.split])).toEqual([
      ['nottingham/train/a.mid', 'train'],
      ['nottingham/train/b.mid', 'train'],
      ['nottingham/valid/c.MIDI', 'valid'],
    ]);
    const piece = await dataset.entries[0]!.load();
    expect(piece.title).toBe('nottingham/train/a.mid');
  });

  it('a split folder given as a path is that split; its name comes from its place in the root', async () => {
    const dataset = await openDataset(join(root, 'nottingham/valid'), { root });
    expect(dataset.name).toBe('nottingham/valid');
    expect(dataset.entries.map((e) => e.split)).toEqual(['valid']);
  });

  it('game: the three soundtracks, no standard split, four instruments kept', async () => {
    const dataset = await openDataset('game', { root });
    expect(dataset.style).toBe('game');
    expect(dataset.entries.map((e) => e.id)).toEqual(['game/freedoom/x.mid', 'game/openmsx/y.mid', 'game/planetblupi/z.mid']);
    expect(dataset.entries.every((e) => e.split === undefined)).toBe(true);
    const prepared = dataset.prepare(await dataset.entries[0]!.load());
    expect(prepared.tracks).toHaveLength(4);
  });

  it('a folder needs a style when its path does not suggest one', async () => {
    await expect(openDataset(join(root, 'mixed'), { root })).rejects.toThrow(/cannot tell the style of data set .*pass style/);
    const dataset = await openDataset(join(root, 'mixed'), { root, style: 'folk' });
    expect(dataset.entries).toHaveLength(1);
  });

  it('rejects a missing folder and a folder without MIDI files', async () => {
    await expect(openDataset(join(root, 'nope-folk'), { root })).rejects.toThrow(InvalidInputError);
    await expect(openDataset(join(root, 'game-music'), { root, style: 'game' })).resolves.toBeDefined();
    writeFiles({ [join(root, 'empty-folk/notes.txt')]: 'x' });
    await expect(openDataset(join(root, 'empty-folk'), { root })).rejects.toThrow(/no MIDI files/);
  });
});

describe('data-set paths', () => {
  it('finds the project root and honours RHYTHMIX_DATASETS', () => {
    const manifest = JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { name: string };
    expect(manifest.name).toBe('rhythmix');
    expect(datasetsRoot({})).toBe(join(projectRoot(), '../shared/datasets'));
    expect(datasetsRoot({ [DATASETS_ENV]: '/srv/data' })).toBe('/srv/data');
  });
});
