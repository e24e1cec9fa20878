import * as tf from '@tensorflow/tfjs';
import { type ModelConfig, cellOf, paramLayout, recurrentLayerName } from './config.js';

/**
 * Stock tf.layers versions of the network: the yardstick of the benchmarks and
 * the compatibility tests. Weight names match paramLayout, so one parameter
 * vector fills either.
 */
export function buildStockModel(config: ModelConfig, options: { stateful?: boolean; batchSize?: number; oneHotInput?: boolean } = {}): tf.LayersModel {
  const model = tf.sequential();
  const batch = options.stateful ? { batchInputShape: options.oneHotInput ? [options.batchSize ?? 1, 1, config.vocabSize] : [options.batchSize ?? 1, 1] } : {};
  // Simple initialisers: orthogonal init of large matrices is slow in tfjs and the weights are overwritten anyway.
  const init = { kernelInitializer: 'glorotUniform', recurrentInitializer: 'glorotUniform' } as const;
  if (options.oneHotInput) {
    // The wasm backend has no gradient for gather: a bias-free dense layer on one-hot input is the same map.
    model.add(
      tf.layers.dense({
        name: 'embedding',
        units: config.embedding,
        useBias: false,
        kernelInitializer: 'glorotUniform',
        ...(options.stateful ? batch : { inputShape: [null, config.vocabSize] }),
      }),
    );
  } else {
    model.add(
      tf.layers.embedding({
        name: 'embedding',
        inputDim: config.vocabSize,
        outputDim: config.embedding,
        ...(options.stateful ? batch : { inputShape: [null] }),
      }),
    );
  }
  const cell = cellOf(config);
  config.layers.forEach((units, index) => {
    const layer = {
      name: recurrentLayerName(cell, index),
      units,
      returnSequences: true,
      recurrentActivation: 'sigmoid',
      stateful: options.stateful ?? false,
      ...init,
    } as const;
    model.add(cell === 'gru' ? tf.layers.gru(layer) : tf.layers.lstm(layer));
  });
  model.add(tf.layers.dense({ name: 'output', units: config.vocabSize, activation: 'softmax', kernelInitializer: 'glorotUniform' }));
  return model;
}

/** Copies a parameter vector (paramLayout order) into a stock model. */
export function setStockWeights(model: tf.LayersModel, config: ModelConfig, params: Float32Array): void {
  const tensors = paramLayout(config).map((block) => tf.tensor(params.subarray(block.offset, block.offset + block.size), block.shape, 'float32'));
  model.setWeights(tensors);
  for (const t of tensors) t.dispose();
}
