/**
 * The grammar of the token language as an incremental state machine. Feed it tokens with
 * `push(id)`; `allowed()` tells which ids may come next, so a sampler that masks its
 * distribution with it only ever writes well-formed, canonical streams. The decoder
 * (tokens.ts) runs the same machine, so encoder, decoder and sampler cannot disagree.
 *
 *     const state = new TokenStreamState({ stepsPerQuarter: 4 })
 *     state.push(vocabulary.startId)
 *     state.allowed()  // => mask with 1 at every style token
 *
 * Grammar (docs/tokens.md has examples):
 *
 *     stream  := <start> style key? meter instrument* body <end>   (key: token language 2)
 *     body    := step*            one step per time with events, in time order
 *     step    := advance? meter? group*
 *     advance := bar+ pos?  |  pos          (bar: to the next bar line; pos:k: k steps after it)
 *     group   := track? note+               (each step starts in track 0; track:i switches to a later track)
 *     note    := vel? pitch dur+            (vel only when the track's velocity changes;
 *                                            dur:max repeats for long notes)
 *
 * plus the canonical-order rules that make the stream ⇄ piece mapping a bijection: groups
 * in ascending track order, pitches ascending within a group, an advance only after the
 * current step has an event (or from time 0), no note of a pitch that still sounds in its
 * track, a meter only where it changes, and no meter change that only trails the last note.
 */
import { InvalidInputError } from '../util/errors.js';
import { DEFAULT_VELOCITY, type KeySignature } from './piece.js';
import { DEFAULT_VOCABULARY, type Meter, type TokenKind, type Vocabulary, binVelocity, meterName, meterSteps, velocityBin } from './vocabulary.js';

/** Limits a sampler may add on top of the grammar; `push` does not enforce them (a seed may break them). */
export interface SamplingConstraints {
  /** Pitch classes (0 = C … 11 = B) pitched tracks may use; see key.ts `scalePitchClasses`. */
  readonly pitchClasses?: readonly number[];
  /** Lowest pitch pitched tracks may use. */
  readonly minPitch?: number;
  /** Highest pitch pitched tracks may use. */
  readonly maxPitch?: number;
  /** No `bar` (or mid-bar meter change) may open bar index `maxBars` or later: the stream ends within maxBars bars. */
  readonly maxBars?: number;
  /** `<end>` may come only once the stream has reached this step (a requested length: no early stop). */
  readonly minEndStep?: number;
  /** The header's instruments, in order: exactly these tracks are declared (a request for given instruments). */
  readonly tracks?: readonly { readonly program: number; readonly isDrum: boolean }[];
  /**
   * Most notes one pitched track may start at one step (its chord size). Without it a model that
   * loses its place can pile notes into one step, each forced above the last, up to pitch 127.
   */
  readonly maxNotesPerStep?: number;
  /**
   * The meter the piece keeps: the header's, with no changes. A request measured in bars of one
   * meter (`maxBars`, `minEndStep`) cannot be met in another.
   */
  readonly meter?: Meter;
  /**
   * A soft key: notes of pitched tracks outside these pitch classes keep only `weight` (0…1) of
   * their probability. Music strays from its scale now and then (2 % of Nottingham's notes, 5 % of
   * JSB's, 12 % of the game soundtracks'), so a hard `pitchClasses` mask is too strict as a default.
   */
  readonly preferredPitchClasses?: { readonly classes: readonly number[]; readonly weight: number };
  /** `<end>` only once every declared track has played a note: no requested instrument stays silent. */
  readonly everyTrackPlays?: boolean;
  /**
   * A closing chord: from bar index `fromBar` on, pitched tracks start notes only of these pitch
   * classes (a form's last bar on the tonic chord, docs/form.md).
   */
  readonly closing?: { readonly fromBar: number; readonly pitchClasses: readonly number[] };
}

export interface TokenStreamOptions {
  /** Grid of the stream; default 4 (16th notes). */
  readonly stepsPerQuarter?: number;
  readonly vocabulary?: Vocabulary;
  readonly constraints?: SamplingConstraints;
}

export interface StreamTrack {
  readonly program: number;
  readonly isDrum: boolean;
}

/** A note decoded from the stream, in grid steps. */
export interface StreamNote {
  readonly track: number;
  readonly pitch: number;
  readonly startStep: number;
  readonly durationSteps: number;
  readonly velocity: number;
}

export interface StreamMeterChange {
  readonly step: number;
  readonly meter: Meter;
}

export type StreamPhase = 'start' | 'style' | 'meter' | 'instruments' | 'body' | 'ended';

/** A token that breaks the grammar, with its index in the stream and what could have come instead. */
export class TokenGrammarError extends InvalidInputError {
  readonly index: number;
  readonly token: number;

  constructor(message: string, index: number, token: number) {
    super(message);
    this.index = index;
    this.token = token;
  }
}

/** What the grammar waits for inside a note. */
type Need = 'none' | 'note' | 'pitch' | 'duration';

interface PendingNote {
  track: number;
  pitch: number;
  startStep: number;
  durationSteps: number;
  velocity: number;
}

export class TokenStreamState {
  readonly vocabulary: Vocabulary;
  readonly stepsPerQuarter: number;
  readonly constraints: SamplingConstraints;

  private phaseValue: StreamPhase = 'start';
  private styleName: string | undefined;
  private keyValue: KeySignature | undefined;
  private trackList: StreamTrack[] = [];
  private velocityBins: number[] = [];
  private headerMeter: Meter | undefined;
  private currentMeter: Meter | undefined;
  private barSteps = 0;
  private barStart = 0;
  private barIndex = 0;
  private stepValue = 0;
  private lastKind: TokenKind | undefined;
  private need: Need = 'none';
  private stepHasNotes = false;
  private stepHasMeter = false;
  private stepTrack = -1;
  private lastPitch = -1;
  /** Notes the current track has started at the current step. */
  private groupNotes = 0;
  private currentTrack = 0;
  private pending: PendingNote | undefined;
  private pendingOpen = false;
  /** End step of the last finished note per track × pitch (track * 128 + pitch). */
  private soundingEnd: number[] = [];
  private maxEndStep = 0;
  private noteList: StreamNote[] = [];
  /** Tracks that have started a note (the pending one included). */
  private readonly tracksPlayed = new Set<number>();
  private meterChanges: StreamMeterChange[] = [];
  private tokenCountValue = 0;
  private readonly pitchPermitted: Uint8Array;
  private readonly defaultVelocityBin: number;

  constructor(options: TokenStreamOptions = {}) {
    this.vocabulary = options.vocabulary ?? DEFAULT_VOCABULARY;
    this.stepsPerQuarter = options.stepsPerQuarter ?? 4;
    if (!Number.isInteger(this.stepsPerQuarter) || this.stepsPerQuarter < 1) {
      throw new InvalidInputError(`steps per quarter must be a positive integer, got ${this.stepsPerQuarter}`);
    }
    this.constraints = options.constraints ?? {};
    this.pitchPermitted = new Uint8Array(128);
    const classes = this.constraints.pitchClasses === undefined ? undefined : new Set(this.constraints.pitchClasses.map((c) => ((c % 12) + 12) % 12));
    for (let p = 0; p < 128; p++) {
      const inRange = p >= (this.constraints.minPitch ?? 0) && p <= (this.constraints.maxPitch ?? 127);
      this.pitchPermitted[p] = inRange && (classes === undefined || classes.has(p % 12)) ? 1 : 0;
    }
    this.defaultVelocityBin = velocityBin(DEFAULT_VELOCITY, this.vocabulary.spec.velocityBins);
    const closing = this.constraints.closing;
    if (closing !== undefined) {
      this.closingPermitted = new Uint8Array(128);
      const chord = new Set(closing.pitchClasses.map((c) => ((c % 12) + 12) % 12));
      for (let p = 0; p < 128; p++) this.closingPermitted[p] = chord.has(p % 12) ? 1 : 0;
    }
    const preferred = this.constraints.preferredPitchClasses;
    if (preferred !== undefined) {
      if (!(preferred.weight >= 0 && preferred.weight <= 1)) throw new InvalidInputError(`a soft key's weight must be in [0, 1], got ${preferred.weight}`);
      const inKey = new Set(preferred.classes.map((c) => ((c % 12) + 12) % 12));
      this.softKeyWeights = new Float32Array(this.vocabulary.size).fill(1);
      const first = this.vocabulary.first('pitch');
      for (let p = 0; p < 128; p++) if (!inKey.has(p % 12)) this.softKeyWeights[first + p] = preferred.weight;
    }
  }

  private softKeyWeights: Float32Array | undefined;
  /** 1 for the pitches the closing chord allows (with `constraints.closing`). */
  private closingPermitted: Uint8Array | undefined;

  /**
   * Multipliers for the next token's probabilities (the soft key), or undefined when none
   * applies: no `preferredPitchClasses`, or the current track plays drums.
   */
  weights(): Float32Array | undefined {
    if (this.softKeyWeights === undefined || this.trackList[this.currentTrack]?.isDrum !== false) return undefined;
    return this.softKeyWeights;
  }

  /** Where in the stream we are: header parts, the body, or after `<end>`. */
  get phase(): StreamPhase {
    return this.phaseValue;
  }
  get style(): string | undefined {
    return this.styleName;
  }
  /** The key the header names, if any. */
  get key(): KeySignature | undefined {
    return this.keyValue;
  }
  get tracks(): readonly StreamTrack[] {
    return this.trackList;
  }
  /** Current time in grid steps from the start. */
  get step(): number {
    return this.stepValue;
  }
  /** Current time in quarter notes. */
  get time(): number {
    return this.stepValue / this.stepsPerQuarter;
  }
  /** 0-based index of the current bar. */
  get bar(): number {
    return this.barIndex;
  }
  /** Steps since the current bar line. */
  get positionInBar(): number {
    return this.stepValue - this.barStart;
  }
  /** Bar length in steps of the current meter (0 before the header's meter). */
  get stepsPerBar(): number {
    return this.barSteps;
  }
  get meter(): Meter | undefined {
    return this.currentMeter;
  }
  /** The track the next note without a `track:` token belongs to (0 at the start of each step). */
  get track(): number {
    return this.currentTrack;
  }
  /** Tokens pushed so far. */
  get tokenCount(): number {
    return this.tokenCountValue;
  }
  /** True after `<end>`. */
  get isComplete(): boolean {
    return this.phaseValue === 'ended';
  }
  /** Latest release of any note so far, in steps (counting a note whose duration is still open). */
  get endStep(): number {
    const pendingEnd = this.pending === undefined ? 0 : this.pending.startStep + this.pending.durationSteps;
    return Math.max(this.maxEndStep, pendingEnd);
  }
  /** Notes finished so far (a note is finished by the token after its last duration). */
  get notes(): readonly StreamNote[] {
    return this.noteList;
  }
  /** The header meter at step 0 followed by each change. */
  get meters(): readonly StreamMeterChange[] {
    return this.headerMeter === undefined ? [] : [{ step: 0, meter: this.headerMeter }, ...this.meterChanges];
  }

  /** True when `id` may come next by the grammar alone (sampling constraints ignored). */
  isLegal(id: number): boolean {
    return this.check(id, false);
  }

  /** True when `id` may come next by the grammar and the sampling constraints. */
  isAllowed(id: number): boolean {
    return this.check(id, true);
  }

  /**
   * Mask over all ids: 1 where the token may come next (grammar and constraints).
   * Before `<end>` some token is allowed, unless constraints leave no usable pitch for any track.
   */
  allowed(): Uint8Array {
    const mask = new Uint8Array(this.vocabulary.size);
    for (let id = 0; id < mask.length; id++) mask[id] = this.check(id, true) ? 1 : 0;
    return mask;
  }

  /** Names of the token kinds that may come next, for error messages. */
  expected(): string {
    const kinds = new Map<TokenKind, string[]>();
    for (let id = 0; id < this.vocabulary.size; id++) {
      if (!this.check(id, false)) continue;
      const kind = this.vocabulary.kind(id) as TokenKind;
      kinds.set(kind, [...(kinds.get(kind) ?? []), this.vocabulary.name(id)]);
    }
    if (kinds.size === 0) return 'nothing (the stream has ended)';
    return [...kinds.values()].map((names) => (names.length <= 2 ? names.join(', ') : `${names[0]} … ${names[names.length - 1]}`)).join(', ');
  }

  /** Append a token; throws `TokenGrammarError` (with the stream index) when the grammar forbids it. */
  push(id: number): void {
    if (!this.check(id, false)) {
      const name = this.vocabulary.kind(id) === undefined ? `id ${id}` : `"${this.vocabulary.name(id)}"`;
      throw new TokenGrammarError(
        `token ${this.tokenCountValue} ${name} is not allowed here (step ${this.stepValue}); expected ${this.expected()}`,
        this.tokenCountValue,
        id,
      );
    }
    this.apply(id);
  }

  /** Close the stream as `<end>` would, without requiring it: finishes an open note, drops a pitch without duration. */
  finish(): void {
    if (this.pending !== undefined && this.pending.durationSteps === 0) this.pending = undefined;
    this.finishPending();
    this.phaseValue = 'ended';
  }

  /** An independent copy (for beam search or look-ahead). */
  clone(): TokenStreamState {
    const copy = Object.assign(Object.create(TokenStreamState.prototype) as TokenStreamState, this);
    copy.trackList = [...this.trackList];
    copy.velocityBins = [...this.velocityBins];
    copy.soundingEnd = [...this.soundingEnd];
    copy.noteList = [...this.noteList];
    copy.meterChanges = [...this.meterChanges];
    copy.pending = this.pending === undefined ? undefined : { ...this.pending };
    return copy;
  }

  // ---- grammar -------------------------------------------------------------------------

  private meterFits(meter: Meter): boolean {
    const steps = meterSteps(meter, this.stepsPerQuarter);
    return Number.isInteger(steps) && steps >= 1 && steps <= this.vocabulary.spec.maxBarSteps;
  }

  /** The current step has an event, or we are at time 0 where an advance may come first. */
  private canAdvance(): boolean {
    return this.need === 'none' && this.trackList.length > 0 && (this.stepHasNotes || this.stepHasMeter || this.lastKind === 'bar' || this.stepValue === 0);
  }

  private pitchLegal(track: number, pitch: number, above: number): boolean {
    return pitch > above && (this.soundingEnd[track * 128 + pitch] ?? 0) <= this.stepValue;
  }

  private pitchOk(track: number, pitch: number, above: number, constrained: boolean): boolean {
    if (!this.pitchLegal(track, pitch, above)) return false;
    if (!constrained || this.trackList[track]?.isDrum === true) return true;
    if (this.closingPermitted !== undefined && this.barIndex >= (this.constraints.closing?.fromBar ?? 0) && this.closingPermitted[pitch] !== 1) return false;
    return this.pitchPermitted[pitch] === 1 && !this.chordFull(track);
  }

  private meterWanted(meter: Meter): boolean {
    const wanted = this.constraints.meter;
    return wanted === undefined || meterName(wanted) === meterName(meter);
  }

  /** The track has started as many notes at this step as `maxNotesPerStep` allows. */
  private chordFull(track: number): boolean {
    const max = this.constraints.maxNotesPerStep;
    return max !== undefined && track === this.stepTrack && this.groupNotes >= max;
  }

  private anyPitch(track: number, above: number, constrained: boolean): boolean {
    for (let p = above + 1; p < 128; p++) if (this.pitchOk(track, p, above, constrained)) return true;
    return false;
  }

  /** Lowest pitch the next note of the current group must exceed. */
  private groupFloor(): number {
    return this.stepTrack === this.currentTrack ? this.lastPitch : -1;
  }

  /** With `constraints.tracks`, the header declares exactly those instruments before the body starts. */
  private headerAllows(id: number, kind: TokenKind): boolean {
    const wanted = this.constraints.tracks;
    if (wanted === undefined) return true;
    const declared = this.trackList.length;
    if (kind !== 'program' && kind !== 'drums') return declared >= wanted.length;
    const next = wanted[declared];
    if (next === undefined || next.isDrum !== (kind === 'drums')) return false;
    return next.isDrum || this.vocabulary.offset(id) === next.program;
  }

  private check(id: number, constrained: boolean): boolean {
    const vocabulary = this.vocabulary;
    const kind = vocabulary.kind(id);
    if (kind === undefined) return false;
    switch (this.phaseValue) {
      case 'start':
        return kind === 'start';
      case 'style':
        return kind === 'style';
      case 'meter': {
        // The key, when the language has one, comes between the style and the meter (optional).
        if (kind === 'key') return this.keyValue === undefined;
        if (kind !== 'meter') return false;
        const meter = vocabulary.meter(id);
        return this.meterFits(meter) && (!constrained || this.meterWanted(meter));
      }
      case 'ended':
        return false;
      default:
        break;
    }
    if (constrained && this.phaseValue === 'instruments' && !this.headerAllows(id, kind)) return false;
    const offset = vocabulary.offset(id);
    switch (kind) {
      case 'pad':
      case 'start':
      case 'style':
      case 'key':
        return false;
      case 'program':
      case 'drums':
        return this.phaseValue === 'instruments' && this.trackList.length < vocabulary.spec.maxTracks;
      case 'duration':
        return this.need === 'duration' || (this.need === 'none' && this.pendingOpen);
      case 'bar':
        return this.canAdvance() && (!constrained || this.constraints.maxBars === undefined || this.barIndex + 1 < this.constraints.maxBars);
      case 'position': {
        const pos = offset + 1;
        return this.canAdvance() && pos > this.positionInBar && pos < this.barSteps;
      }
      case 'meter': {
        const meter = vocabulary.meter(id);
        const opensBar = this.positionInBar > 0;
        const overLimit = constrained && opensBar && this.constraints.maxBars !== undefined && this.barIndex + 1 >= this.constraints.maxBars;
        return (
          this.need === 'none' &&
          this.stepValue > 0 &&
          !this.stepHasNotes &&
          !this.stepHasMeter &&
          !overLimit &&
          !(constrained && this.constraints.meter !== undefined) &&
          meterName(meter) !== meterName(this.currentMeter ?? meter) &&
          this.meterFits(meter)
        );
      }
      case 'track': {
        // Groups come in ascending track order and a step starts in track 0 (no track:0 token).
        const track = offset + 1;
        if (this.need !== 'none' || track >= this.trackList.length) return false;
        if (track <= Math.max(this.stepTrack, this.currentTrack)) return false;
        return this.anyPitch(track, -1, constrained);
      }
      case 'velocity':
        if (this.trackList.length === 0 || (this.need !== 'none' && this.need !== 'note')) return false;
        if (this.velocityBins[this.currentTrack] === offset) return false;
        return this.anyPitch(this.currentTrack, this.groupFloor(), constrained);
      case 'pitch':
        if (this.trackList.length === 0 || this.need === 'duration') return false;
        return this.pitchOk(this.currentTrack, offset, this.groupFloor(), constrained);
      case 'end': {
        if (this.need !== 'none') return false;
        const atEvent = this.stepHasNotes || this.stepHasMeter || this.stepValue === 0;
        const trailingMeter = this.stepHasMeter && !this.stepHasNotes && this.endStep <= this.stepValue;
        const longEnough = !constrained || this.constraints.minEndStep === undefined || this.stepValue >= this.constraints.minEndStep;
        const everyTrack = !constrained || this.constraints.everyTrackPlays !== true || this.tracksPlayed.size >= this.trackList.length;
        return atEvent && !trailingMeter && longEnough && everyTrack;
      }
    }
  }

  // ---- transitions ---------------------------------------------------------------------

  private finishPending(): void {
    const note = this.pending;
    if (note === undefined) return;
    this.soundingEnd[note.track * 128 + note.pitch] = note.startStep + note.durationSteps;
    this.maxEndStep = Math.max(this.maxEndStep, note.startStep + note.durationSteps);
    this.noteList.push({ ...note });
    this.pending = undefined;
    this.pendingOpen = false;
  }

  private enterStep(step: number): void {
    this.stepValue = step;
    this.stepHasNotes = false;
    this.stepHasMeter = false;
    this.stepTrack = -1;
    this.lastPitch = -1;
    this.groupNotes = 0;
    this.currentTrack = 0;
  }

  private setMeter(meter: Meter): void {
    this.currentMeter = meter;
    this.barSteps = meterSteps(meter, this.stepsPerQuarter);
  }

  private apply(id: number): void {
    const vocabulary = this.vocabulary;
    const kind = vocabulary.kind(id) as TokenKind;
    const offset = vocabulary.offset(id);
    this.tokenCountValue++;
    if (kind !== 'duration') this.finishPending();
    if (this.phaseValue === 'instruments' && kind !== 'program' && kind !== 'drums') this.phaseValue = 'body';
    switch (kind) {
      case 'start':
        this.phaseValue = 'style';
        break;
      case 'style':
        this.styleName = vocabulary.spec.styles[offset];
        this.phaseValue = 'meter';
        break;
      case 'key':
        this.keyValue = vocabulary.keySignature(id);
        break;
      case 'meter': {
        const meter = vocabulary.meter(id);
        if (this.phaseValue === 'meter') {
          this.headerMeter = meter;
          this.phaseValue = 'instruments';
        } else {
          // A meter change starts a new bar here (or re-metres the bar that starts here).
          if (this.positionInBar > 0) this.barIndex++;
          this.barStart = this.stepValue;
          this.stepHasMeter = true;
          this.meterChanges.push({ step: this.stepValue, meter });
        }
        this.setMeter(meter);
        break;
      }
      case 'program':
      case 'drums':
        this.trackList.push({ program: kind === 'program' ? offset : 0, isDrum: kind === 'drums' });
        this.velocityBins.push(this.defaultVelocityBin);
        break;
      case 'bar':
        this.barIndex++;
        this.barStart += this.barSteps;
        this.enterStep(this.barStart);
        break;
      case 'position':
        this.enterStep(this.barStart + offset + 1);
        break;
      case 'track':
        this.currentTrack = offset + 1;
        this.stepTrack = offset + 1;
        this.lastPitch = -1;
        this.groupNotes = 0;
        this.need = 'note';
        break;
      case 'velocity':
        this.velocityBins[this.currentTrack] = offset;
        this.need = 'pitch';
        break;
      case 'pitch':
        // enterStep and `track:` reset the count whenever the group changes.
        this.groupNotes++;
        this.stepTrack = this.currentTrack;
        this.lastPitch = offset;
        this.stepHasNotes = true;
        this.tracksPlayed.add(this.currentTrack);
        this.pending = {
          track: this.currentTrack,
          pitch: offset,
          startStep: this.stepValue,
          durationSteps: 0,
          velocity: binVelocity(this.velocityBins[this.currentTrack] ?? this.defaultVelocityBin, vocabulary.spec.velocityBins),
        };
        this.need = 'duration';
        break;
      case 'duration': {
        const steps = offset + 1;
        if (this.pending !== undefined) this.pending.durationSteps += steps;
        this.need = 'none';
        this.pendingOpen = steps === vocabulary.spec.maxDurationSteps;
        break;
      }
      case 'end':
        this.phaseValue = 'ended';
        break;
      case 'pad':
        break;
    }
    this.lastKind = kind;
  }
}

/** Functional form of `state.allowed()` for callers that prefer it. */
export function allowedNextTokens(state: TokenStreamState): Uint8Array {
  return state.allowed();
}

/** The mask of a step whose token is forced (a kept melody, a restated section): only `token` is allowed. */
export function onlyTokenMask(vocabularySize: number, token: number): Uint8Array {
  const mask = new Uint8Array(vocabularySize);
  mask[token] = 1;
  return mask;
}
