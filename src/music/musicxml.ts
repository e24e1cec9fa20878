/**
 * A piece as MusicXML 4.0 (partwise), the score's source (docs/score.md): one part per track with
 * notes, its key signature (the piece's key, else the estimated one) and metres, bars cut at the
 * bar lines with ties, lengths written as plain or dotted values that show the beat
 * (notation.ts), chords, rests, up to four voices a staff, beams per beat, accidentals as the
 * key and the bar require. A track spanning both sides of middle C (a piano, the four voices of a
 * chorale) gets a grand staff; drums a percussion staff. Pure: a string out, no I/O.
 *
 *     pieceToMusicXml(piece, { title: 'Rhythmix · folk' })  // '<?xml version="1.0" …'
 */
import { midiSignatureOfKey, pieceKey } from './key.js';
import { barStartBeats, barCount, timeSignatureAt, type Piece, type Track } from './piece.js';
import { isQuantized, quantizePiece } from './quantize.js';
import {
  beamCount,
  beatSteps,
  meterDivisions,
  noteValue,
  splitIntoValues,
  toVoices,
  MAX_VOICES_PER_STAFF,
  type Chord,
  type Meter,
  type NoteValue,
} from './notation.js';

export interface MusicXmlOptions {
  /** The work title printed above the score; default the piece's title, else none. */
  readonly title?: string;
  /** Printed at the top right, e.g. 'Rhythmix (model folk-v3)'. */
  readonly composer?: string;
}

/** Grids a score is written on (steps per quarter); a piece on none of them is quantised to the finest. */
const GRIDS = [1, 2, 4, 8, 16] as const;

/**
 * Share of a track's notes that would lie past the second ledger line of the one staff its mean
 * pitch suggests, from which it is written on a grand staff (split at middle C) instead.
 */
const GRAND_STAFF_SHARE = 0.1;
/** The lowest note on the treble staff's second ledger line below (A3) and the highest on the bass staff's second above (E4). */
const TREBLE_LOWEST = 57;
const BASS_HIGHEST = 64;

interface StaffNote {
  readonly pitch: number;
  readonly start: number;
  readonly end: number;
}

interface Bar {
  readonly start: number;
  readonly length: number;
  readonly meter: Meter;
}

interface PartLayout {
  readonly track: Track;
  /** 1 or 2 staves; drums 1. */
  readonly staves: number;
  /** Clef per staff. */
  readonly clefs: ReadonlyArray<'G' | 'F' | 'percussion'>;
  /** Notes per staff, in grid steps. */
  readonly notes: ReadonlyArray<readonly StaffNote[]>;
}

interface WrittenNote {
  readonly pitch: number;
  readonly tieStart: boolean;
  readonly tieStop: boolean;
  accidental?: string;
}

/** One element written in a voice: a chord (or single note) or a rest, one note value long. */
interface Written {
  readonly pos: number;
  readonly len: number;
  readonly value: NoteValue | undefined;
  readonly notes: readonly WrittenNote[] | null;
  readonly voice: number;
  readonly staff: number;
  readonly measureRest?: boolean;
  beams?: string[];
}

const STEP_NAMES = ['C', 'D', 'E', 'F', 'G', 'A', 'B'] as const;
const NATURAL_PC: Record<(typeof STEP_NAMES)[number], number> = { C: 0, D: 2, E: 4, F: 5, G: 7, A: 9, B: 11 };
const SHARP_ORDER = ['F', 'C', 'G', 'D', 'A', 'E', 'B'];
const ACCIDENTALS: Record<number, string> = { [-1]: 'flat', 0: 'natural', 1: 'sharp' };

export interface Spelling {
  readonly step: (typeof STEP_NAMES)[number];
  readonly alter: number;
  readonly octave: number;
}

/** Alteration the key signature gives a step (fifths > 0: sharps, < 0: flats). */
function keyAlter(step: string, fifths: number): number {
  if (fifths > 0) return SHARP_ORDER.slice(0, fifths).includes(step) ? 1 : 0;
  if (fifths < 0) return [...SHARP_ORDER].reverse().slice(0, -fifths).includes(step) ? -1 : 0;
  return 0;
}

/**
 * A MIDI pitch spelled for a key signature: its scale's own spelling where the pitch is in the
 * scale, else a natural, else a sharp (sharp keys and C) or a flat (flat keys).
 *
 *     spellPitch(70, -1)  // => { step: 'B', alter: -1, octave: 4 }
 *     spellPitch(65, 6)   // => { step: 'E', alter: 1, octave: 4 }
 */
export function spellPitch(pitch: number, fifths: number): Spelling {
  const pc = ((pitch % 12) + 12) % 12;
  const candidates = STEP_NAMES.map((step) => {
    let alter = pc - NATURAL_PC[step];
    if (alter > 6) alter -= 12;
    if (alter < -6) alter += 12;
    return { step, alter };
  }).filter((c) => Math.abs(c.alter) <= 1);
  const pick =
    candidates.find((c) => c.alter === keyAlter(c.step, fifths)) ??
    candidates.find((c) => c.alter === 0) ??
    candidates.find((c) => c.alter === (fifths < 0 ? -1 : 1)) ??
    candidates[0]!;
  return { step: pick.step, alter: pick.alter, octave: Math.floor((pitch - pick.alter) / 12) - 1 };
}

/** Where a General MIDI drum sits on a percussion staff, and whether it has a cross notehead (cymbals). */
function drumPosition(pitch: number): { step: string; octave: number; cross: boolean } {
  if (pitch === 35 || pitch === 36) return { step: 'F', octave: 4, cross: false };
  if (pitch === 37 || pitch === 38 || pitch === 39 || pitch === 40) return { step: 'C', octave: 5, cross: false };
  if (pitch === 42 || pitch === 44 || pitch === 46) return { step: 'G', octave: 5, cross: true };
  if (pitch === 49 || pitch === 52 || pitch === 55 || pitch === 57) return { step: 'A', octave: 5, cross: true };
  if (pitch === 51 || pitch === 53 || pitch === 59) return { step: 'F', octave: 5, cross: true };
  if (pitch === 41 || pitch === 43) return { step: 'A', octave: 4, cross: false };
  if (pitch === 45 || pitch === 47) return { step: 'D', octave: 5, cross: false };
  if (pitch === 48 || pitch === 50) return { step: 'E', octave: 5, cross: false };
  return { step: 'E', octave: 5, cross: true };
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}

/** The coarsest grid the piece and its metres sit on; a piece on none is quantised to the finest. */
function onGrid(piece: Piece): { piece: Piece; divisions: number } {
  const needed = Math.max(...piece.timeSignatures.map(meterDivisions), 1);
  for (const divisions of GRIDS) if (divisions >= needed && isQuantized(piece, divisions)) return { piece, divisions };
  const finest = GRIDS[GRIDS.length - 1] as number;
  return { piece: quantizePiece(piece, { stepsPerQuarter: finest }).piece, divisions: finest };
}

function barsOf(piece: Piece, divisions: number): Bar[] {
  const count = Math.max(1, barCount(piece));
  const bars: Bar[] = [];
  for (let i = 0; i < count; i++) {
    const start = Math.round(barStartBeats(piece, i) * divisions);
    const end = Math.round(barStartBeats(piece, i + 1) * divisions);
    const ts = timeSignatureAt(piece, start / divisions);
    bars.push({ start, length: end - start, meter: { numerator: ts.numerator, denominator: ts.denominator } });
  }
  return bars;
}

/**
 * Drum hits are written as drummers read them: each lasts until the next hit (or the bar line),
 * so a beat's hits are one chord and no rests of a 32nd's length fill the staff.
 */
function drumNotes(notes: readonly StaffNote[], bars: readonly Bar[]): StaffNote[] {
  const onsets = [...new Set(notes.map((n) => n.start))].sort((a, b) => a - b);
  const nextOnset = new Map(onsets.map((t, i) => [t, onsets[i + 1] ?? Infinity]));
  const barEnds = bars.map((b) => b.start + b.length);
  return notes.map((n) => {
    let low = 0;
    for (let high = barEnds.length; low < high;) {
      const mid = (low + high) >> 1;
      if (barEnds[mid]! <= n.start) low = mid + 1;
      else high = mid;
    }
    const barEnd = barEnds[low] ?? n.end;
    return { ...n, end: Math.min(nextOnset.get(n.start)!, barEnd) };
  });
}

function layoutPart(track: Track, divisions: number, bars: readonly Bar[]): PartLayout {
  const notes = track.notes.map((n) => ({
    pitch: n.pitch,
    start: Math.round(n.start * divisions),
    end: Math.max(Math.round(n.start * divisions) + 1, Math.round((n.start + n.duration) * divisions)),
  }));
  if (track.isDrum) return { track, staves: 1, clefs: ['percussion'], notes: [drumNotes(notes, bars)] };
  const mean = notes.reduce((sum, n) => sum + n.pitch, 0) / Math.max(1, notes.length);
  const treble = notes.length === 0 || mean >= 58;
  const offStaff = notes.filter((n) => (treble ? n.pitch < TREBLE_LOWEST : n.pitch > BASS_HIGHEST)).length;
  const low = notes.filter((n) => n.pitch < 60);
  const high = notes.filter((n) => n.pitch >= 60);
  if (offStaff > 0 && offStaff >= GRAND_STAFF_SHARE * notes.length && low.length > 0 && high.length > 0) {
    return { track, staves: 2, clefs: ['G', 'F'], notes: [high, low] };
  }
  return { track, staves: 1, clefs: [treble ? 'G' : 'F'], notes: [notes] };
}

/** A voice's chords and the rests between them, cut at the bar lines and into note values. */
function writeVoice(chords: readonly Chord<StaffNote>[], bar: Bar, divisions: number, voice: number, staff: number): Written[] {
  const barEnd = bar.start + bar.length;
  const written: Written[] = [];
  const push = (start: number, end: number, chord: Chord<StaffNote> | null): void => {
    for (const [s, e] of splitIntoValues(start - bar.start, end - bar.start, bar.meter, divisions)) {
      const notes =
        chord === null
          ? null
          : chord.notes.map((n) => ({
              pitch: n.pitch,
              tieStop: chord.start < bar.start + s,
              tieStart: chord.end > bar.start + e,
            }));
      written.push({ pos: s, len: e - s, value: noteValue(e - s, divisions), notes, voice, staff });
    }
  };
  let cursor = bar.start;
  // A voice's chords follow each other without overlapping, so their ends are sorted too.
  let low = 0;
  for (let high = chords.length; low < high;) {
    const mid = (low + high) >> 1;
    if (chords[mid]!.end <= bar.start) low = mid + 1;
    else high = mid;
  }
  for (let i = low; i < chords.length && chords[i]!.start < barEnd; i++) {
    const chord = chords[i]!;
    const start = Math.max(chord.start, bar.start);
    if (start > cursor) push(cursor, start, null);
    const end = Math.min(chord.end, barEnd);
    push(start, end, chord);
    cursor = end;
  }
  if (cursor < barEnd && written.length > 0) push(cursor, barEnd, null);
  return written;
}

/** Beams within each beat: eighths and shorter, rests and beats break them (MusicXML begin/continue/end/hooks). */
function addBeams(elements: Written[], beat: number): void {
  let group: Written[] = [];
  const flush = (): void => {
    if (group.length >= 2) {
      const levels = Math.max(...group.map((w) => beamCount(w.value!.type)));
      for (let level = 1; level <= levels; level++) {
        group.forEach((w, i) => {
          const has = (x: Written | undefined): boolean => x !== undefined && beamCount(x.value!.type) >= level;
          if (!has(w)) return;
          const before = has(group[i - 1]);
          const after = has(group[i + 1]);
          const kind = before && after ? 'continue' : after ? 'begin' : before ? 'end' : i === 0 ? 'forward hook' : 'backward hook';
          (w.beams ??= []).push(kind);
        });
      }
    }
    group = [];
  };
  for (const w of elements) {
    const beamable = w.notes !== null && w.value !== undefined && beamCount(w.value.type) > 0;
    const window = Math.floor(w.pos / beat);
    const fits = window === Math.floor((w.pos + w.len - 1) / beat);
    if (!beamable || !fits) {
      flush();
      continue;
    }
    const last = group.at(-1);
    if (last && Math.floor(last.pos / beat) !== window) flush();
    group.push(w);
  }
  flush();
}

/** Accidentals a staff's notes show in one bar: where the bar's state (from the key signature) differs. */
function addAccidentals(elements: readonly Written[], fifths: number): void {
  const state = new Map<string, number>();
  const sorted = [...elements].sort((a, b) => a.pos - b.pos);
  for (const element of sorted) {
    for (const note of element.notes ?? []) {
      const spelled = spellPitch(note.pitch, fifths);
      const key = `${spelled.step}${spelled.octave}`;
      const current = state.get(key) ?? keyAlter(spelled.step, fifths);
      if (note.tieStop) continue;
      if (spelled.alter !== current) {
        note.accidental = ACCIDENTALS[spelled.alter];
        state.set(key, spelled.alter);
      }
    }
  }
}

function noteXml(w: Written, note: WrittenNote | null, chord: boolean, fifths: number, drum: boolean): string {
  const out: string[] = ['<note>'];
  if (chord) out.push('<chord/>');
  if (note === null) out.push(w.measureRest ? '<rest measure="yes"/>' : '<rest/>');
  else if (drum) {
    const at = drumPosition(note.pitch);
    out.push(`<unpitched><display-step>${at.step}</display-step><display-octave>${at.octave}</display-octave></unpitched>`);
  } else {
    const s = spellPitch(note.pitch, fifths);
    out.push(`<pitch><step>${s.step}</step>${s.alter !== 0 ? `<alter>${s.alter}</alter>` : ''}<octave>${s.octave}</octave></pitch>`);
  }
  out.push(`<duration>${w.len}</duration>`);
  if (note?.tieStop) out.push('<tie type="stop"/>');
  if (note?.tieStart) out.push('<tie type="start"/>');
  out.push(`<voice>${w.voice}</voice>`);
  if (w.value && !w.measureRest) out.push(`<type>${w.value.type}</type>`, ...Array.from({ length: w.value.dots }, () => '<dot/>'));
  if (note?.accidental) out.push(`<accidental>${note.accidental}</accidental>`);
  if (note && drum && drumPosition(note.pitch).cross) out.push('<notehead>x</notehead>');
  out.push(`<staff>${w.staff}</staff>`);
  if (!chord) for (const [i, kind] of (w.beams ?? []).entries()) out.push(`<beam number="${i + 1}">${kind}</beam>`);
  const tied = [note?.tieStop ? '<tied type="stop"/>' : '', note?.tieStart ? '<tied type="start"/>' : ''].join('');
  if (tied) out.push(`<notations>${tied}</notations>`);
  out.push('</note>');
  return out.join('');
}

function elementXml(w: Written, fifths: number, drum: boolean): string {
  if (w.notes === null) return noteXml(w, null, false, fifths, drum);
  return w.notes.map((note, i) => noteXml(w, note, i > 0, fifths, drum)).join('');
}

function clefXml(clef: PartLayout['clefs'][number], number: number): string {
  const sign = clef === 'percussion' ? '<sign>percussion</sign>' : clef === 'G' ? '<sign>G</sign><line>2</line>' : '<sign>F</sign><line>4</line>';
  return `<clef number="${number}">${sign}</clef>`;
}

function displayName(track: Track): string {
  const name = track.name.trim() || (track.isDrum ? 'Drums' : 'Part');
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** The piece as a MusicXML 4.0 partwise document (see the module comment). */
export function pieceToMusicXml(input: Piece, options: MusicXmlOptions = {}): string {
  const { piece, divisions } = onGrid(input);
  const key = pieceKey(piece);
  const fifths = key ? midiSignatureOfKey(key).sharps : 0;
  const bars = barsOf(piece, divisions);
  const tracks = piece.tracks.filter((t) => t.notes.length > 0);
  const layouts = (tracks.length > 0 ? tracks : [{ name: 'Piano', program: 0, isDrum: false, notes: [] }]).map((t) => layoutPart(t, divisions, bars));
  const bpm = Math.round(piece.tempos[0]?.bpm ?? 120);
  const title = options.title ?? piece.title;

  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE score-partwise PUBLIC "-//Recordare//DTD MusicXML 4.0 Partwise//EN" "http://www.musicxml.org/dtds/partwise.dtd">',
    '<score-partwise version="4.0">',
  ];
  if (title) out.push(`<work><work-title>${escapeXml(title)}</work-title></work>`);
  out.push('<identification>');
  if (options.composer) out.push(`<creator type="composer">${escapeXml(options.composer)}</creator>`);
  out.push('<encoding><software>Rhythmix</software></encoding></identification>', '<part-list>');
  layouts.forEach((layout, p) => {
    const id = `P${p + 1}`;
    const channel = layout.track.isDrum ? 10 : Math.min(16, p < 9 ? p + 1 : p + 2);
    out.push(
      `<score-part id="${id}"><part-name>${escapeXml(displayName(layout.track))}</part-name>`,
      `<score-instrument id="${id}-I1"><instrument-name>${escapeXml(displayName(layout.track))}</instrument-name></score-instrument>`,
      `<midi-instrument id="${id}-I1"><midi-channel>${channel}</midi-channel><midi-program>${layout.track.program + 1}</midi-program></midi-instrument>`,
      '</score-part>',
    );
  });
  out.push('</part-list>');

  layouts.forEach((layout, p) => {
    const voices = layout.notes.map((notes) => toVoices(notes, (n) => n.pitch));
    out.push(`<part id="P${p + 1}">`);
    bars.forEach((bar, b) => {
      out.push(`<measure number="${b + 1}">`);
      const previous = bars[b - 1];
      const meterChanged = !previous || previous.meter.numerator !== bar.meter.numerator || previous.meter.denominator !== bar.meter.denominator;
      if (b === 0 || meterChanged) {
        out.push('<attributes>');
        // Drums have no key: their staff positions are instruments, not pitches.
        const partFifths = layout.track.isDrum ? 0 : fifths;
        if (b === 0) out.push(`<divisions>${divisions}</divisions>`, `<key><fifths>${partFifths}</fifths><mode>${key?.mode ?? 'major'}</mode></key>`);
        out.push(`<time><beats>${bar.meter.numerator}</beats><beat-type>${bar.meter.denominator}</beat-type></time>`);
        if (b === 0) {
          if (layout.staves > 1) out.push(`<staves>${layout.staves}</staves>`);
          layout.clefs.forEach((clef, i) => out.push(clefXml(clef, i + 1)));
        }
        out.push('</attributes>');
      }
      if (b === 0 && p === 0) {
        // Words, not <metronome>: its note is a music-font glyph that the PNG's text fonts lack.
        out.push(`<direction placement="above"><direction-type><words>\u2669 = ${bpm}</words></direction-type><sound tempo="${bpm}"/></direction>`);
      }
      const beat = beatSteps(bar.meter, divisions);
      const blocks: string[] = [];
      voices.forEach((staffVoices, s) => {
        const staffElements: Written[][] = [];
        const voiceCount = Math.max(1, staffVoices.length);
        for (let v = 0; v < voiceCount; v++) {
          const voice = s * MAX_VOICES_PER_STAFF + v + 1;
          let elements = writeVoice(staffVoices[v] ?? [], bar, divisions, voice, s + 1);
          if (elements.length === 0) {
            if (v > 0) continue;
            elements = [{ pos: 0, len: bar.length, value: undefined, notes: null, voice, staff: s + 1, measureRest: true }];
          }
          addBeams(elements, beat);
          staffElements.push(elements);
        }
        if (layout.clefs[s] !== 'percussion') addAccidentals(staffElements.flat(), fifths);
        for (const elements of staffElements) blocks.push(elements.map((w) => elementXml(w, fifths, layout.track.isDrum)).join(''));
      });
      out.push(blocks.join(`<backup><duration>${bar.length}</duration></backup>`));
      if (b === bars.length - 1) out.push('<barline location="right"><bar-style>light-heavy</bar-style></barline>');
      out.push('</measure>');
    });
    out.push('</part>');
  });
  out.push('</score-partwise>', '');
  return out.join('\n');
}
