/** What the Variation, Continue and Re-roll buttons ask for: src/app/lineage.ts (shared with the web playground). */
export { continuationRequest, DEFAULT_CONTINUE_BARS, rerollRequest, themeBars, variationRequest } from '../../app/lineage.js';
