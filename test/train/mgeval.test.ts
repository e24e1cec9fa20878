import { describe, expect, it } from 'vitest';
import { pieceFeatures } from '../../src/music/features.js';
import { createPiece, type Note } from '../../src/music/piece.js';
import { Rng } from '../../src/model/rng.js';
import { GaussianKde, compareDensities, compareSets, featureDistance, interSetDistances, intraSetDistances } from '../../src/train/mgeval.js';

function normal(rng: Rng, mean: number, sd: number): number {
  const u = Math.max(rng.next(), 1e-12);
  return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

describe('distances', () => {
  it('is Euclidean on vectors and absolute difference on scalars', () => {
    expect(featureDistance([3], [7])).toBe(4);
    expect(featureDistance([0, 0], [3, 4])).toBe(5);
    expect(() => featureDistance([1], [1, 2])).toThrow(/lengths differ/);
  });

  it('intra-set uses ordered pairs without self pairs; inter-set every cross pair', () => {
    expect(intraSetDistances([[0], [1], [3]])).toEqual([1, 3, 1, 2, 3, 2]);
    expect(interSetDistances([[0], [10]], [[1], [2]])).toEqual([1, 2, 9, 8]);
  });
});

describe('Gaussian KDE', () => {
  it("uses Scott's and Silverman's bandwidths and integrates to 1", () => {
    const values = [1, 2, 4, 7, 11];
    const sd = Math.sqrt(values.reduce((s, v) => s + (v - 5) ** 2, 0) / 4);
    expect(new GaussianKde(values, 'scott').bandwidth).toBeCloseTo(sd * 5 ** (-1 / 5), 12);
    expect(new GaussianKde(values, 'silverman').bandwidth).toBeCloseTo(sd * (5 * 0.75) ** (-1 / 5), 12);
    const kde = new GaussianKde(values);
    let area = 0;
    for (let x = -30; x <= 40; x += 0.01) area += kde.density(x) * 0.01;
    expect(area).toBeCloseTo(1, 4);
    // One sample: the density is a normal curve with the floor bandwidth.
    const one = new GaussianKde([2], 'scott', 0.5);
    expect(one.density(2)).toBeCloseTo(1 / (0.5 * Math.sqrt(2 * Math.PI)), 10);
  });

  it('keeps far tails finite in log space', () => {
    const kde = new GaussianKde([0, 1, 2]);
    expect(Number.isFinite(kde.logDensity(1e4))).toBe(true);
  });
});

describe('overlap of densities', () => {
  it('is 1 for identical samples and near 0 for samples far apart', () => {
    const rng = new Rng(5);
    const a = Array.from({ length: 400 }, () => normal(rng, 0, 1));
    const same = compareDensities(a, a);
    expect(same.overlap).toBeCloseTo(1, 6);
    expect(same.kl).toBeCloseTo(0, 9);
    expect(same.overlapDataRange).toBeLessThan(same.overlap);
    const far = compareDensities(
      a,
      a.map((x) => x + 20),
    );
    expect(far.overlap).toBeLessThan(1e-3);
    expect(far.kl).toBeGreaterThan(10);
    expect(Number.isFinite(far.kl)).toBe(true);
  });

  it('matches the analytic overlap of two unit normals one sd apart', () => {
    const rng = new Rng(9);
    const a = Array.from({ length: 4000 }, () => normal(rng, 0, 1));
    const b = Array.from({ length: 4000 }, () => normal(rng, 1, 1));
    // OVL of N(0,1) and N(1,1) = 2·Φ(−1/2) ≈ 0.617
    expect(compareDensities(a, b).overlap).toBeGreaterThan(0.57);
    expect(compareDensities(a, b).overlap).toBeLessThan(0.67);
  });

  it('handles sets without spread', () => {
    expect(compareDensities([3, 3, 3], [3, 3]).overlap).toBeCloseTo(1, 6);
    expect(compareDensities([3, 3, 3], [8, 8]).overlap).toBeLessThan(1e-6);
  });
});

const noteAt = (pitch: number, start: number, duration: number): Note => ({ pitch, start, duration, velocity: 80 });
const C_MAJOR = [0, 2, 4, 5, 7, 9, 11];
const BLACK_KEYS = [1, 3, 6, 8, 10];

/** 8 bars of a random melody: `kind` 'steps' = C major, steps of a scale degree, quarters and halves;
 *  'leaps' = black keys only, leaps over four octaves, 16ths. */
function randomPiece(rng: Rng, kind: 'steps' | 'leaps') {
  const notes: Note[] = [];
  let t = 0;
  let degree = 7 + rng.int(7);
  while (t < 32) {
    const duration = kind === 'steps' ? [1, 1, 2][rng.int(3)]! : 0.25;
    let pitch: number;
    if (kind === 'steps') {
      degree = Math.max(0, Math.min(20, degree + [-1, 1][rng.int(2)]!));
      pitch = 48 + 12 * Math.floor(degree / 7) + C_MAJOR[degree % 7]!;
    } else {
      pitch = 36 + 12 * rng.int(4) + BLACK_KEYS[rng.int(5)]!;
    }
    notes.push(noteAt(pitch, t, duration));
    t += duration;
  }
  return createPiece([{ name: 'm', program: 0, isDrum: false, notes }]);
}

describe('compareSets on pieces', () => {
  it('gives an overlap near 1 when the generated set is the reference set', () => {
    const rng = new Rng(1);
    const reference = Array.from({ length: 40 }, () => pieceFeatures(randomPiece(rng, 'steps')).pitch_class_histogram!);
    const result = compareSets(reference, reference);
    expect(result.overlap).toBeGreaterThan(0.9);
    expect(result.referencePieces).toBe(40);
    expect(result.intra.count).toBe(40 * 39);
    expect(result.inter.count).toBe(40 * 40);
  });

  it('gives a high overlap for two samples of one process and a low one for clearly different music', () => {
    const rng = new Rng(2);
    const set = (kind: 'steps' | 'leaps', n: number) => Array.from({ length: n }, () => pieceFeatures(randomPiece(rng, kind)));
    const reference = set('steps', 40);
    const similar = set('steps', 40);
    const different = set('leaps', 30);
    for (const feature of ['pitch_class_histogram', 'pitch_range', 'notes_per_bar', 'inter_onset_interval', 'note_length', 'melodic_interval'] as const) {
      const values = (pieces: typeof reference) => pieces.map((p) => p[feature]!);
      expect(compareSets(values(similar), values(reference)).overlap, feature).toBeGreaterThan(0.75);
      expect(compareSets(values(different), values(reference)).overlap, feature).toBeLessThan(0.1);
    }
  });

  it('refuses sets too small to compare', () => {
    expect(() => compareSets([[1]], [[1]])).toThrow(/at least 2/);
    expect(() => compareSets([], [[1], [2]])).toThrow(/empty/);
  });
});
