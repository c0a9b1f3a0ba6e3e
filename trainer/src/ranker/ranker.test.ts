import { EDGE_FEATURES, RANKER_FEATURE_COUNT, RANKER_FEATURES } from '@recsys/shared'
import { describe, expect, it } from 'vitest'
import { buildMlp } from '../model/mlp'
import { exportMlpToOnnx } from '../model/onnx-export'
import { checkParity } from '../model/parity'
import { checkModel } from '../model/probe'
import { trainRankerModels } from './ranker'
import { leaveLastN } from '../data/split'
import { syntheticDataset } from '../data/synthetic'

const data = syntheticDataset({ seed: 1, start: Date.UTC(2026, 0, 1), items: 300, users: 200 })
const options = {
  artifacts: { als: { factors: 8, iterations: 5 } },
  examples: { candidates: 100, negatives: 20 },
}
const train = () => {
  const r = trainRankerModels(data.items, leaveLastN(data.interactions, { n: 3 }), options)
  if ('tooFew' in r) throw new Error(r.tooFew)
  return r
}

describe('trainRankerModels', () => {
  const models = train()

  it('says why instead of training when users have too little history to give labels', () => {
    // Three users with four items each: leave-last-3 leaves one history item, and too few users to validate on.
    const few = leaveLastN(
      data.interactions.filter((x) => ['u-1', 'u-2', 'u-3'].includes(x.user_id)),
      { n: 3 },
    )
    const r = trainRankerModels(data.items, few, options)
    expect('tooFew' in r && r.tooFew).toMatch(/^3 users with examples \(at least 5\)/)
  })

  it('trains a ranker over the shared features that orders held-out labels better than chance', () => {
    const { ranker, examples } = models
    expect(ranker.metadata.feature_schema.features).toEqual([...RANKER_FEATURES])
    const t = ranker.metadata.training
    // Lineage: what it was trained on and how it validated.
    expect(t.seed).toBe(42)
    expect(t.examples.train + t.examples.validation).toBe(examples.rows)
    expect(t.data.positives).toBeGreaterThan(0)
    expect(t.data.label_items_retrieved).toBeLessThanOrEqual(t.data.label_items)
    expect(t.tried.map((x) => x.hidden)).toEqual([[], [16]])
    expect(t.validation.auc).toBeGreaterThan(0.6)
    expect(t.validation.logloss).toBeGreaterThan(0)
    expect(t.losses[t.losses.length - 1]!).toBeLessThan(t.losses[0]!)
    // The chosen architecture is the one that validated best.
    expect(t.validation.gauc).toBe(Math.max(...t.tried.map((x) => x.gauc)))
    expect(ranker.mlp.layers.length).toBe(t.hidden.length + 1)
  })

  it('trains an edge model over the edge features from ALS slates', () => {
    const { edgeModel } = models
    expect(edgeModel.metadata.feature_schema.features).toEqual([...EDGE_FEATURES])
    expect(edgeModel.mlp.layers[0]!.inputs).toBe(EDGE_FEATURES.length)
    expect(edgeModel.metadata.training.validation.auc).toBeGreaterThan(0.55)
  })

  it('is deterministic: the same data and seed give the same ONNX bytes', () => {
    const again = train()
    expect(again.ranker.onnx).toEqual(models.ranker.onnx)
    expect(again.edgeModel.onnx).toEqual(models.edgeModel.onnx)
  })

  it('passes the model gate and the parity gate on real training rows', async () => {
    const { ranker, edgeModel, examples } = models
    expect(await checkModel(ranker.onnx, ranker.metadata)).toMatchObject({ ok: true })
    expect(await checkModel(edgeModel.onnx, edgeModel.metadata)).toMatchObject({ ok: true })
    const parity = await checkParity(ranker, examples.features, examples.rows)
    expect(parity).toMatchObject({ ok: true, rows: examples.rows })
    expect(parity.max_diff).toBeLessThanOrEqual(1e-5)
  })

  it('fails parity, naming rows, when the ONNX bytes come from other weights', async () => {
    const { ranker, examples } = models
    const other = buildMlp({
      inputDim: RANKER_FEATURE_COUNT,
      hidden: ranker.metadata.training.hidden,
      seed: 7,
    })
    const rows = 32
    const parity = await checkParity(
      { ...ranker, onnx: exportMlpToOnnx(other) },
      examples.features.slice(0, rows * RANKER_FEATURE_COUNT),
      rows,
    )
    expect(parity.ok).toBe(false)
    if (parity.ok) return
    expect(parity.max_diff).toBeGreaterThan(1e-5)
    expect(parity.offending.length).toBeGreaterThan(0)
    expect(parity.offending.length).toBeLessThanOrEqual(5)
    for (const o of parity.offending) {
      expect(o.row).toBeLessThan(rows)
      expect(Math.abs(o.typescript - o.onnx)).toBeGreaterThan(1e-5)
    }
    expect(parity.message).toMatch(/differ by up to/)
  })
})
