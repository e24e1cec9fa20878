import { describe, expect, it } from 'vitest';
import type { ModelConfig } from '../../src/model/config.js';
import { RecurrentNetwork } from '../../src/model/recurrent-network.js';
import { widenVocabulary } from '../../src/model/widen-vocabulary.js';
import { DEFAULT_VOCABULARY as V2, Vocabulary } from '../../src/music/vocabulary.js';

describe('widenVocabulary (token language 1 → 2)', () => {
  const { keys: _keys, ...spec } = V2.spec;
  const v1 = new Vocabulary(spec);
  const config: ModelConfig = { vocabSize: v1.size, embedding: 6, layers: [10], dropout: 0 };
  const narrow = new RecurrentNetwork(config);
  narrow.initialize(4);
  // A trained model's output biases spread over several nats (rare tokens far down).
  const bias = narrow.block('output/bias');
  const view = narrow.parameterView();
  for (let i = 0; i < bias.size; i++) view[bias.offset + i] = (-6 * ((i * 7919) % 101)) / 100;
  narrow.parametersChanged();

  it('keeps every old prediction in order and makes the new tokens unlikely', () => {
    const widened = widenVocabulary(config, narrow.getParameters(), v1, V2);
    expect(widened.config.vocabSize).toBe(V2.size);
    const wide = new RecurrentNetwork(widened.config);
    wide.setParameters(widened.params);
    const tokens = [V2.startId, V2.styleId('folk'), V2.pitchId(60), V2.durationId(4)];
    const a = narrow.createState(1);
    const b = wide.createState(1);
    for (const token of tokens) {
      const p = narrow.step(a, [token]).slice();
      const q = wide.step(b, [token]).slice();
      // Old tokens keep their relative probabilities; the new ones start with the lowest old bias.
      const ratio = q[V2.pitchId(64)]! / p[V2.pitchId(64)]!;
      for (let id = 0; id < v1.size; id += 37) expect(q[id]! / p[id]!).toBeCloseTo(ratio, 4);
      let newMass = 0;
      for (let id = v1.size; id < V2.size; id++) newMass += q[id]!;
      expect(newMass).toBeLessThan(0.01);
    }
    // Their embeddings are not zero: a key token changes what follows.
    const c = wide.createState(1);
    const d = wide.createState(1);
    wide.step(c, [V2.startId]);
    wide.step(d, [V2.startId]);
    const afterKey = wide.step(c, [V2.keyId({ tonicPitchClass: 7, mode: 'major' })]).slice();
    const afterOtherKey = wide.step(d, [V2.keyId({ tonicPitchClass: 2, mode: 'minor' })]).slice();
    expect(afterKey.some((x, i) => Math.abs(x - afterOtherKey[i]!) > 1e-6)).toBe(true);
  });

  it('refuses a vocabulary that is not the start of the other', () => {
    const wider = new Vocabulary({ ...spec, styles: [...spec.styles, 'jazz'] });
    expect(() => widenVocabulary(config, narrow.getParameters(), v1, wider)).toThrow(/is not the start of/);
  });
});
