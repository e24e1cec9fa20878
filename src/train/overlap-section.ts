/** The report's mgeval comparison of one model and style (report.ts collects it; targets.ts and the markdown read it). */
import type { FeatureName } from '../music/features.js';
import type { Style } from '../music/styles.js';
import type { SetComparison, Summary } from './mgeval.js';

export interface FeatureRow extends SetComparison {
  feature: FeatureName;
  /** Mean ± sd of the feature itself (scalars) or of its entropy in bits (histograms). */
  referenceValue: Summary;
  generatedValue: Summary;
}

export interface OverlapSection {
  model: string;
  style: Style;
  reference: { description: string; pieces: number; excerpts: number; available: number; bars: number };
  generated: { pieces: number; empty: number; seeds: [number, number] };
  features: FeatureRow[];
}
