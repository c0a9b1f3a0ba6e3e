import { describe, expect, it } from 'vitest'
import { DAY_MS, type Interaction } from '../data/dataset'
import { decayedCounts, topScored } from './popularity'

const now = Date.UTC(2026, 0, 1)
const x = (item_id: string, daysAgo: number, weight = 1): Interaction => ({
  user_id: 'u',
  item_id,
  ts: now - daysAgo * DAY_MS,
  weight,
})

describe('popularity', () => {
  it('decays each interaction by its age and weighs it', () => {
    const counts = decayedCounts([x('a', 0), x('a', 14), x('b', 28, 3), x('c', -1)], {
      now,
      halfLifeDays: 14,
    })
    expect(Object.fromEntries(counts)).toEqual({ a: 1.5, b: 0.75, c: 1 })
  })

  it('keeps the n best accepted items, score descending, ties by id', () => {
    const scores = new Map([
      ['b', 1],
      ['a', 1],
      ['c', 3],
      ['d', 2],
      ['e', 0.5],
    ])
    expect(topScored(scores, 3).map((s) => s.item_id)).toEqual(['c', 'd', 'a'])
    expect(topScored(scores, 9, (i) => i !== 'd').map((s) => s.item_id)).toEqual([
      'c',
      'a',
      'b',
      'e',
    ])
  })
})
