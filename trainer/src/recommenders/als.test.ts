import { describe, expect, it } from 'vitest'
import type { Interaction } from '../data/dataset'
import { alsScores, trainAls } from './als'

/**
 * Planted structure: 30 users and 24 items in 3 taste groups (by index mod 3); each user touched the items of
 * their group except those with (user + item) % 4 === 0, and nothing outside it.
 */
const group = (i: number) => i % 3
const touched = (u: number, i: number) => group(u) === group(i) && (u + i) % 4 !== 0
const planted: Interaction[] = []
for (let u = 0; u < 30; u++)
  for (let i = 0; i < 24; i++)
    if (touched(u, i)) planted.push({ user_id: `u${u}`, item_id: `i${i}`, ts: 0, weight: 1 })

const opts = { factors: 4, iterations: 8, alpha: 10, reg: 0.1, seed: 7 }

describe('trainAls', () => {
  it('decreases the training loss every iteration', () => {
    const losses: number[] = []
    trainAls(planted, { ...opts, onIteration: (_, loss) => losses.push(loss) })
    expect(losses).toHaveLength(8)
    for (let k = 1; k < losses.length; k++)
      expect(losses[k]!).toBeLessThanOrEqual(losses[k - 1]! * (1 + 1e-9))
    expect(losses.at(-1)!).toBeLessThan(losses[0]!)
  })

  it('is deterministic for a seed and depends on it', () => {
    const a = trainAls(planted, opts)
    const b = trainAls([...planted].reverse(), opts)
    const c = trainAls(planted, { ...opts, seed: 8 })
    expect(a.users).toEqual(b.users)
    expect(a.userFactors).toEqual(b.userFactors)
    expect(a.itemFactors).toEqual(b.itemFactors)
    expect(c.itemFactors).not.toEqual(a.itemFactors)
  })

  it("ranks a user's own items, and the unseen items of their group, above other groups' items", () => {
    const model = trainAls(planted, opts)
    for (let u = 0; u < 30; u++) {
      const scores = alsScores(model, `u${u}`)!
      const s = (i: number) => scores[model.itemIndex.get(`i${i}`)!]!
      let worstInGroup = Infinity
      let bestOutside = -Infinity
      for (let i = 0; i < 24; i++)
        if (group(i) === group(u)) worstInGroup = Math.min(worstInGroup, s(i))
        else bestOutside = Math.max(bestOutside, s(i))
      expect(worstInGroup, `user u${u}`).toBeGreaterThan(bestOutside)
    }
    expect(alsScores(model, 'nobody')).toBeUndefined()
  })
})
