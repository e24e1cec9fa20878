/**
 * Training examples: every piece is cut into windows of `seqLen` inputs with
 * next-token targets (truncated back-propagation through time: each window starts
 * from a zero state, or with `stateful` training from the state its piece's previous
 * window ended in). All tokens live in one SharedArrayBuffer so worker
 * threads read the same data without copies.
 */
import type { Rng } from '../model/rng.js';
import { shiftToken } from '../music/transpose.js';

export interface TokenCorpus {
  /** All pieces' tokens back to back. */
  tokens: Int32Array;
  /** Piece p is tokens[starts[p] .. starts[p+1]). */
  starts: Int32Array;
}

export interface WindowIndex {
  /** Window w covers tokens[windowStart[w] .. ] of piece windowPiece[w]. */
  windowStart: Int32Array;
  windowEnd: Int32Array; // exclusive end of the piece the window belongs to
  windowPiece: Int32Array;
}

/**
 * Transposition augmentation: an epoch moves each piece's pitched notes and key by shifts[piece]
 * semitones (tokens flagged in `shiftable`, see music/transpose.ts `shiftToken`).
 */
export interface BatchAugmentation {
  shiftable: Uint8Array;
  shifts: Int8Array;
  /** Id of the first key token (-1: the vocabulary has none). */
  keyFirst: number;
}

export function buildCorpus(pieces: ArrayLike<ArrayLike<number>>, shared = true): TokenCorpus {
  let total = 0;
  for (let p = 0; p < pieces.length; p++) total += pieces[p]!.length;
  const make = (n: number): Int32Array => (shared ? new Int32Array(new SharedArrayBuffer(Math.max(1, n) * 4)) : new Int32Array(Math.max(1, n)));
  const tokens = make(total).subarray(0, total);
  const starts = make(pieces.length + 1).subarray(0, pieces.length + 1);
  let offset = 0;
  for (let p = 0; p < pieces.length; p++) {
    starts[p] = offset;
    tokens.set(Array.from(pieces[p]!), offset);
    offset += pieces[p]!.length;
  }
  starts[pieces.length] = offset;
  return { tokens, starts };
}

export function pieceCount(corpus: TokenCorpus): number {
  return corpus.starts.length - 1;
}

/** Windows of seqLen inputs; a piece of n tokens gives ceil((n-1)/seqLen) windows (n ≥ 2). */
export function buildWindows(corpus: TokenCorpus, seqLen: number): WindowIndex {
  const starts: number[] = [];
  const ends: number[] = [];
  const pieces: number[] = [];
  for (let p = 0; p < pieceCount(corpus); p++) {
    const begin = corpus.starts[p]!;
    const end = corpus.starts[p + 1]!;
    for (let s = begin; s + 1 < end; s += seqLen) {
      starts.push(s);
      ends.push(end);
      pieces.push(p);
    }
  }
  return { windowStart: Int32Array.from(starts), windowEnd: Int32Array.from(ends), windowPiece: Int32Array.from(pieces) };
}

/**
 * Fills rows [0, rows) of batch-major input/target arrays from the given
 * window ids; a row with id < 0, or past a piece's end, is padding (target -1).
 */
export function fillBatch(
  corpus: TokenCorpus,
  windows: WindowIndex,
  ids: ArrayLike<number>,
  seqLen: number,
  inputs: Int32Array,
  targets: Int32Array,
  augmentation?: BatchAugmentation,
): number {
  let count = 0;
  const tokenAt = (i: number, shift: number): number =>
    shift === 0 ? corpus.tokens[i]! : shiftToken(corpus.tokens[i]!, augmentation!.shiftable[i]!, shift, augmentation!.keyFirst);
  for (let r = 0; r < ids.length; r++) {
    const id = ids[r]!;
    const start = id >= 0 ? windows.windowStart[id]! : 0;
    const end = id >= 0 ? windows.windowEnd[id]! : 0;
    const shift = id >= 0 && augmentation ? augmentation.shifts[windows.windowPiece[id]!]! : 0;
    for (let t = 0; t < seqLen; t++) {
      const i = start + t;
      const valid = id >= 0 && i + 1 < end;
      inputs[r * seqLen + t] = valid ? tokenAt(i, shift) : 0;
      targets[r * seqLen + t] = valid ? tokenAt(i + 1, shift) : -1;
      if (valid) count++;
    }
  }
  return count;
}

/**
 * Stateful truncated BPTT: an epoch's window ids laid out as `batchSize` streams, batch-major
 * ([batch][row], -1 = padding). Each stream plays whole pieces, their windows in order, so a
 * row's recurrent state can be carried from one batch to the next. Pieces go longest first to the
 * stream that is shortest so far, then each stream plays its pieces in a shuffled order, so the
 * streams end together: with pieces dealt at random, one long piece left playing alone at an
 * epoch's end took full-size steps on its own and validation NLL jumped. For the same reason a
 * piece longer than a stream's fair share (a game soundtrack of thousands of windows) is cut into
 * segments of at most that share; each segment starts from a zero state.
 */
export function statefulOrder(windows: WindowIndex, batchSize: number, rng: Rng): Int32Array {
  const share = Math.max(1, Math.ceil(windows.windowPiece.length / batchSize));
  const segmentStart: number[] = [];
  const segmentLength: number[] = [];
  for (let w = 0; w < windows.windowPiece.length; w++) {
    const newPiece = w === 0 || windows.windowPiece[w] !== windows.windowPiece[w - 1];
    if (newPiece || segmentLength[segmentLength.length - 1]! >= share) {
      segmentStart.push(w);
      segmentLength.push(0);
    }
    segmentLength[segmentLength.length - 1]!++;
  }
  // Shuffle first, then a stable sort: equally long segments land in a new order every epoch.
  const segments = rng.shuffle(Array.from({ length: segmentStart.length }, (_, i) => i)).sort((a, b) => segmentLength[b]! - segmentLength[a]!);
  const streams: number[][] = Array.from({ length: batchSize }, () => []);
  const lengths = new Array<number>(batchSize).fill(0);
  for (const g of segments) {
    let shortest = 0;
    for (let s = 1; s < batchSize; s++) if (lengths[s]! < lengths[shortest]!) shortest = s;
    streams[shortest]!.push(g);
    lengths[shortest]! += segmentLength[g]!;
  }
  const batches = Math.max(...lengths);
  const order = new Int32Array(batches * batchSize).fill(-1);
  streams.forEach((stream, row) => {
    let b = 0;
    for (const g of rng.shuffle(stream)) for (let i = 0; i < segmentLength[g]!; i++) order[b++ * batchSize + row] = segmentStart[g]! + i;
  });
  return order;
}

/**
 * Rows whose recurrent state must start from zero: padding, and every window that does not continue
 * the window the same row held in the previous batch (a new piece or segment, or the first batch
 * a worker runs). `previous` holds those ids and is updated in place.
 */
export function resetFlags(windows: WindowIndex, ids: ArrayLike<number>, previous: Int32Array, out: Uint8Array): void {
  for (let r = 0; r < ids.length; r++) {
    const id = ids[r]!;
    const before = previous[r]!;
    const continues = id >= 0 && before >= 0 && id === before + 1 && windows.windowPiece[id] === windows.windowPiece[before];
    out[r] = continues ? 0 : 1;
    previous[r] = id;
  }
}
