/**
 * A form under the token grammar: a sampling mask that restates a section's first statement
 * where its letter returns (docs/form.md). The model samples first statements freely; when the
 * stream reaches a returning section, the first statement's notes (every track, shifted by the
 * sections' distance) are forced token by token — advance, `track:`, `vel?`, `pitch`, `dur+`,
 * the one canonical spelling — and nothing else is written in the section's bars. So the return
 * is the same notes on the same steps: an exact restatement.
 *
 * - The piece's final bar is never restated: the model writes it anew (under the closing-chord
 *   constraint of the compose request), so a form that ends on a return ends on a cadence.
 * - Sampled notes never sound past the end of their section (phrases end at section
 *   boundaries), so a restatement never collides with a note held over from before it.
 * - Sections that start inside the primer (seed notes) are kept as the seed has them.
 *
 * It fits the sampler's `TokenMask` (allowed / weights / push / bar / time / isComplete), like
 * `MelodyForcingMask` (melody-forcing.ts).
 */
import type { FormSection } from './form.js';
import { onlyTokenMask, type StreamNote, type TokenStreamState } from './token-stream.js';
import { velocityBin } from './vocabulary.js';

/** A note to force, on the stream's grid. */
interface TargetNote {
  readonly track: number;
  readonly pitch: number;
  readonly startStep: number;
  readonly durationSteps: number;
  readonly velocity: number;
}

/** A returning section as the mask forces it: bars [startBar, forcedEndBar), restating bars from `sourceBar`. */
interface Restatement {
  readonly startBar: number;
  readonly forcedEndBar: number;
  readonly sourceBar: number;
}

export interface FormForcingOptions {
  /** The form's sections (src/music/form.ts `formPlan`). */
  readonly sections: readonly FormSection[];
  /** Bars of the whole piece: the last of them is never restated. */
  readonly bars: number;
  /** Bars the primer (seed notes) fills: a section starting before it is the seed's. */
  readonly primerBars?: number;
}

export class FormForcingMask {
  private readonly restatements: Restatement[];
  /** Section end bars in ascending order: sampled notes end by the end of their section. */
  private readonly sectionEnds: number[];
  /** Start step of each bar the stream has reached. */
  private readonly barStarts: number[] = [];
  /** The restatement being forced and what of it is left. */
  private active: { readonly restatement: Restatement; readonly targets: TargetNote[]; next: number } | undefined;
  private durationLeft = 0;
  /** A sampled note being written: where it started and how long it is so far. */
  private sampledNote: { start: number; steps: number } | undefined;

  constructor(
    readonly state: TokenStreamState,
    options: FormForcingOptions,
  ) {
    const primerBars = options.primerBars ?? 0;
    this.restatements = options.sections
      .filter((s) => s.restates !== undefined && s.startBar >= primerBars)
      .map((s) => ({
        startBar: s.startBar,
        forcedEndBar: Math.min(s.startBar + s.bars, options.bars - 1),
        sourceBar: options.sections[s.restates as number]!.startBar,
      }))
      .filter((r) => r.forcedEndBar > r.startBar);
    this.sectionEnds = options.sections.map((s) => s.startBar + s.bars).sort((a, b) => a - b);
  }

  get bar(): number {
    return this.state.bar;
  }
  get time(): number {
    return this.state.time;
  }
  get isComplete(): boolean {
    return this.state.isComplete;
  }

  /** Start step of bar `bar`: recorded once reached, else counted on in the current meter. */
  private barStart(bar: number): number {
    const known = this.barStarts[bar];
    if (known !== undefined) return known;
    const current = this.state.step - this.state.positionInBar;
    return current + (bar - this.state.bar) * this.state.stepsPerBar;
  }

  private inBody(): boolean {
    return this.state.phase === 'body' || (this.state.phase === 'instruments' && this.state.tracks.length > 0);
  }

  /** The restatement whose forced bars hold the stream now, its targets taken from the notes so far. */
  private restatementNow(): NonNullable<FormForcingMask['active']> | undefined {
    if (!this.inBody()) return undefined;
    const bar = this.state.bar;
    if (this.active && bar >= this.active.restatement.startBar && bar < this.active.restatement.forcedEndBar) return this.active;
    const restatement = this.restatements.find((r) => bar >= r.startBar && bar < r.forcedEndBar);
    if (restatement === undefined) {
      this.active = undefined;
      return undefined;
    }
    const shift = this.barStart(restatement.startBar) - this.barStart(restatement.sourceBar);
    const from = this.barStart(restatement.sourceBar);
    const to = from + (this.barStart(restatement.forcedEndBar) - this.barStart(restatement.startBar));
    const targets = this.state.notes
      .filter((n: StreamNote) => n.startStep >= from && n.startStep < to)
      .map((n) => ({ track: n.track, pitch: n.pitch, startStep: n.startStep + shift, durationSteps: n.durationSteps, velocity: n.velocity }))
      .sort((a, b) => a.startStep - b.startStep || a.track - b.track || a.pitch - b.pitch);
    this.active = { restatement, targets, next: 0 };
    this.durationLeft = 0;
    return this.active;
  }

  /** The one id the form dictates next, or undefined where the model samples. */
  private forced(): number | undefined {
    const active = this.restatementNow();
    if (active === undefined) return undefined;
    const state = this.state;
    const vocabulary = state.vocabulary;
    if (this.durationLeft > 0) return vocabulary.first('duration') + Math.min(this.durationLeft, vocabulary.spec.maxDurationSteps) - 1;
    for (;;) {
      const note = active.targets[active.next];
      const barStart = state.step - state.positionInBar;
      // Every note restated: on to the section's end, bar by bar, writing nothing more in it.
      if (note === undefined) return vocabulary.first('bar');
      if (note.startStep > state.step) {
        const position = note.startStep - barStart;
        return position < state.stepsPerBar ? vocabulary.first('position') + position - 1 : vocabulary.first('bar');
      }
      if (note.startStep === state.step) {
        if (note.track !== state.track) {
          const id = vocabulary.first('track') + note.track - 1;
          if (note.track > state.track && state.isLegal(id)) return id;
        } else {
          const velocity = vocabulary.first('velocity') + velocityBin(note.velocity, vocabulary.spec.velocityBins);
          if (state.isLegal(velocity)) return velocity;
          const pitch = vocabulary.first('pitch') + note.pitch;
          if (state.isLegal(pitch)) return pitch;
        }
      }
      // A note the grammar no longer takes here (a seed note held over it): left out.
      active.next++;
    }
  }

  weights(): Float32Array | undefined {
    return this.forced() === undefined ? this.state.weights() : undefined;
  }

  allowed(): Uint8Array {
    const forced = this.forced();
    const vocabulary = this.state.vocabulary;
    if (forced !== undefined) return onlyTokenMask(vocabulary.size, forced);
    const mask = this.state.allowed();
    if (!this.inBody()) return mask;
    const sectionEnd = this.sectionEnds.find((end) => end > this.state.bar);
    const endStep = sectionEnd === undefined ? undefined : this.barStart(sectionEnd);
    const pending = this.restatements.some((r) => r.startBar > this.state.bar);
    for (let id = 0; id < mask.length; id++) {
      if (mask[id] === 0) continue;
      const kind = vocabulary.kind(id);
      // A sampled note ends by its section's end.
      if (
        kind === 'duration' &&
        this.sampledNote &&
        endStep !== undefined &&
        this.sampledNote.start + this.sampledNote.steps + vocabulary.offset(id) + 1 > endStep
      ) {
        mask[id] = 0;
      }
      // A meter change would move the bar lines the sections are counted in.
      if (kind === 'meter') mask[id] = 0;
      if (kind === 'end' && pending) mask[id] = 0;
    }
    return mask;
  }

  push(id: number): void {
    const forced = this.forced();
    const state = this.state;
    const vocabulary = state.vocabulary;
    const barBefore = state.bar;
    state.push(id);
    // Every bar line the stream crosses, so restatements shift by the bars' real starts.
    if (state.bar !== barBefore || this.barStarts.length === 0) this.barStarts[state.bar] = state.step - state.positionInBar;
    const kind = vocabulary.kind(id);
    // A sampled token (or a primer's): follow the note it writes, for the section-end rule.
    if (forced !== id) {
      if (kind === 'pitch') this.sampledNote = { start: state.step, steps: 0 };
      else if (kind === 'duration' && this.sampledNote) this.sampledNote.steps += vocabulary.offset(id) + 1;
      else if (kind !== 'duration') this.sampledNote = undefined;
      return;
    }
    this.sampledNote = undefined;
    const active = this.active;
    if (active === undefined) return;
    if (kind === 'pitch') this.durationLeft = active.targets[active.next]!.durationSteps;
    else if (kind === 'duration') {
      this.durationLeft -= vocabulary.offset(id) + 1;
      if (this.durationLeft <= 0) {
        this.durationLeft = 0;
        active.next++;
      }
    }
  }
}
