import { buildModelBundle } from '@recsys/trainer/model'
import { RANKER_FEATURE_COUNT, RANKER_FEATURES } from '@recsys/shared'
import * as ort from 'onnxruntime-node'
import { sessionOptions } from '../../gpu-scorer/src/artifacts/ranker-model'
import type { FixtureStore } from '../../gpu-scorer/test/fixture-store'

export interface Bare {
  rows: number
  runs: number
  p50: number
  p99: number
}

/** The ONNX bytes of a fixture's ranker (`buildModelBundle` of its weights: the bytes the store holds). */
export const fixtureOnnx = (fx: FixtureStore, hidden: readonly number[]) =>
  buildModelBundle({ features: RANKER_FEATURES, hidden: [...hidden], seed: 1, mlp: fx.mlp }).onnx

/**
 * `session.run` alone on the model and a `rows`-row batch, sequentially. `options`: the scorer's session options
 * (one intra-op thread, the baseline of the ratio) or onnxruntime's defaults (a thread per core).
 */
export async function bareInference(
  onnx: Uint8Array,
  rows: number,
  runs: number,
  options: 'scorer' | 'default',
): Promise<Bare> {
  const session = await ort.InferenceSession.create(
    onnx,
    options === 'scorer'
      ? sessionOptions('cpu')
      : { executionProviders: ['cpu'], graphOptimizationLevel: 'all' },
  )
  const data = new Float32Array(rows * RANKER_FEATURE_COUNT)
  for (let i = 0; i < data.length; i++) data[i] = ((i * 7919) % 1000) / 1000
  const feeds = { features: new ort.Tensor('float32', data, [rows, RANKER_FEATURE_COUNT]) }
  for (let i = 0; i < Math.min(200, runs); i++) await session.run(feeds)
  const ms: number[] = []
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    await session.run(feeds)
    ms.push(performance.now() - t0)
  }
  await session.release()
  ms.sort((a, b) => a - b)
  const q = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))]!
  return { rows, runs, p50: q(0.5), p99: q(0.99) }
}
