import { RANKER_FEATURES } from '@recsys/shared'
import { describe, expect, it } from 'vitest'
import { catalogInteractions } from '../data/dataset'
import { randomSplit } from '../data/split'
import { syntheticDataset } from '../data/synthetic'
import { releaseModels } from './trained-models'

describe('releaseModels', () => {
  it('trains both models and passes their parity gates', async () => {
    const data = syntheticDataset({ seed: 2, start: Date.UTC(2026, 0, 1), items: 200, users: 150 })
    const said: string[] = []
    const r = await releaseModels(data, { dims: 8, labelsPerUser: 3, say: (m) => said.push(m) })
    expect(r.ok).toBe(true)
    if (!r.ok) return
    const { ranker, edgeModel, parity } = r.value
    expect(parity.ranker).toMatchObject({ ok: true })
    expect(parity.edge_model).toMatchObject({ ok: true })
    expect(parity.ranker.rows).toBeGreaterThan(100)
    expect(ranker.metadata.feature_schema.features).toEqual([...RANKER_FEATURES])
    expect(ranker.metadata.training.seed).toBe(42)
    expect(edgeModel.metadata.training.examples.groups).toBeGreaterThan(0)
    expect(said.some((m) => m.includes('validation AUC'))).toBe(true)
    expect(said).toContain("training the ranker and edge model (labels: each user's last 3)")
  })

  it("names the caller's split as the labels, not each user's last n", async () => {
    const data = syntheticDataset({ seed: 3, start: Date.UTC(2026, 0, 1), items: 120, users: 80 })
    const said: string[] = []
    const split = randomSplit(catalogInteractions(data), { ratio: 0.75, seed: 42 })
    const r = await releaseModels(data, {
      dims: 4,
      split,
      splitDescription: 'random-75/25-seed-42',
      say: (m) => said.push(m),
    })
    expect(r.ok).toBe(true)
    expect(said).toContain(
      'training the ranker and edge model (labels: the held-out side of random-75/25-seed-42)',
    )
    expect(said.join('\n')).not.toMatch(/last \d/)
  })
})
