import { describe, expect, it } from 'vitest'
import { coOccurrence, histories, lastTouched, neighbors } from './co-occurrence'
import { DAY_MS, type Interaction } from '../data/dataset'

const x = (user_id: string, item_id: string, ts: number): Interaction => ({
  user_id,
  item_id,
  ts,
  weight: 1,
})

// a: i1 i2 i3 · b: i1 i2 (i1 twice) · c: i2 i4
const log = [
  x('a', 'i1', 1),
  x('a', 'i2', 2),
  x('a', 'i3', 3),
  x('b', 'i2', 1),
  x('b', 'i1', 2),
  x('b', 'i1', 5),
  x('c', 'i4', 4),
  x('c', 'i2', 4),
]

describe('co-occurrence', () => {
  it('lists each user’s distinct items, most recent first, ties by id', () => {
    expect(Object.fromEntries(histories(log))).toEqual({
      a: ['i3', 'i2', 'i1'],
      b: ['i1', 'i2'],
      c: ['i2', 'i4'],
    })
  })

  it('counts users per pair, symmetrically, never an item with itself', () => {
    const co = coOccurrence(histories(log))
    const row = (i: string) => Object.fromEntries(co.pairs.get(i) ?? [])
    expect(row('i1')).toEqual({ i2: 2, i3: 1 })
    expect(row('i2')).toEqual({ i1: 2, i3: 1, i4: 1 })
    expect(row('i3')).toEqual({ i1: 1, i2: 1 })
    expect(row('i4')).toEqual({ i2: 1 })
    expect(Object.fromEntries(co.users)).toEqual({ i1: 2, i2: 3, i3: 1, i4: 1 })
  })

  it('counts only the most recent items of a long history', () => {
    const co = coOccurrence(histories(log), { maxHistory: 2 })
    // a keeps i3 i2, b keeps i1 i2, c keeps i2 i4.
    expect(Object.fromEntries(co.pairs.get('i2')!)).toEqual({ i3: 1, i1: 1, i4: 1 })
    expect(co.pairs.get('i1')!.has('i3')).toBe(false)
    expect(co.users.get('i1')).toBe(1)
  })

  it('ranks neighbours by cosine, keeps k, skips refused items and the item itself', () => {
    const co = coOccurrence(histories(log))
    const near = neighbors(co, { k: 2 })
    // i2: i1 = 2/√(3·2), i3 = 1/√(3·1), i4 = 1/√(3·1): ties by id, cut to 2.
    expect(near.get('i2')).toEqual([
      { item_id: 'i1', score: 2 / Math.sqrt(6) },
      { item_id: 'i3', score: 1 / Math.sqrt(3) },
    ])
    expect(near.get('i1')).toEqual([
      { item_id: 'i2', score: 2 / Math.sqrt(6) },
      { item_id: 'i3', score: 1 / Math.sqrt(2) },
    ])
    const noI2 = neighbors(co, { k: 5, keep: (i) => i !== 'i2' })
    expect(noI2.get('i1')!.map((s) => s.item_id)).toEqual(['i3'])
    // i4 co-occurs with i2 only: refusing i2 leaves it with no entry at all.
    expect(noI2.has('i4')).toBe(false)
    for (const [item, list] of near) expect(list.map((s) => s.item_id)).not.toContain(item)
  })

  it('decays a pair by the time between its two interactions (half-life 30 days), by each user’s last touch', () => {
    // d takes j1 and j2 the same day; e takes j1, then j3 30 days later; f takes j1 and j3 60 days apart, then
    // j1 again on the day of j3 (the last touch counts: 0 days apart).
    const timed = [
      x('d', 'j1', 0),
      x('d', 'j2', 0),
      x('e', 'j1', 0),
      x('e', 'j3', 30 * DAY_MS),
      x('f', 'j1', 0),
      x('f', 'j3', 60 * DAY_MS),
      x('f', 'j1', 60 * DAY_MS),
    ]
    const at = lastTouched(timed)
    const co = coOccurrence(histories(at), { at })
    expect(co.pairs.get('j1')!.get('j2')).toBeCloseTo(1, 12)
    expect(co.pairs.get('j1')!.get('j3')).toBeCloseTo(0.5 + 1, 12)
    expect(co.pairs.get('j3')!.get('j1')).toBeCloseTo(1.5, 12)
    // Without times every pair counts 1.
    expect(coOccurrence(histories(timed)).pairs.get('j1')!.get('j3')).toBe(2)
    expect(co.users.get('j1')).toBe(3)
  })
})
