import { ConsumedFile } from '@recsys/shared'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CONSUMED_PER_USER, consumedFile } from './consumed'

const x = (user_id: string, item_id: string, ts: number) => ({ user_id, item_id, ts })

describe('consumedFile', () => {
  it("lists each user's distinct items, newest interaction first, ties by item id", () => {
    const f = consumedFile([
      x('b', 'i1', 5),
      x('a', 'i1', 1),
      x('a', 'i2', 3),
      x('a', 'i1', 4), // a later touch of i1 moves it up
      x('a', 'i0', 3),
    ])
    expect(f).toEqual({
      max_per_user: CONSUMED_PER_USER,
      users: { a: ['i1', 'i0', 'i2'], b: ['i1'] },
    })
    expect(Object.keys(f.users)).toEqual(['a', 'b'])
  })

  it('keeps the newest max_per_user items of a longer history', () => {
    const f = consumedFile(
      Array.from({ length: 10 }, (_, i) => x('u', `i${i}`, i)),
      3,
    )
    expect(f).toEqual({ max_per_user: 3, users: { u: ['i9', 'i8', 'i7'] } })
  })

  it('refuses a bound that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => consumedFile([], bad)).toThrow()
  })

  it('property: bounded, distinct, newest first, a subset of the history, and valid against the schema', () => {
    const arb = fc.record({
      xs: fc.array(
        fc.record({
          user_id: fc.constantFrom('u1', 'u2', 'u3'),
          item_id: fc.constantFrom(...Array.from({ length: 12 }, (_, i) => `i${i}`)),
          ts: fc.integer({ min: 0, max: 20 }),
        }),
        { maxLength: 60 },
      ),
      bound: fc.integer({ min: 1, max: 8 }),
    })
    fc.assert(
      fc.property(arb, ({ xs, bound }) => {
        const f = consumedFile(xs, bound)
        expect(ConsumedFile.safeParse(f).success).toBe(true)
        for (const [user, items] of Object.entries(f.users)) {
          const mine = xs.filter((i) => i.user_id === user)
          const last = new Map<string, number>()
          for (const i of mine) last.set(i.item_id, Math.max(last.get(i.item_id) ?? -1, i.ts))
          expect(items).toHaveLength(Math.min(bound, last.size))
          expect(new Set(items).size).toBe(items.length)
          const times = items.map((i) => last.get(i)!)
          expect(times).toEqual([...times].sort((a, b) => b - a))
          // nothing left out is newer than what was kept
          const kept = new Set(items)
          const oldestKept = Math.min(...times)
          for (const [item, ts] of last)
            if (!kept.has(item)) expect(ts).toBeLessThanOrEqual(oldestKept)
        }
        expect(Object.keys(f.users).sort()).toEqual([...new Set(xs.map((i) => i.user_id))].sort())
      }),
      { numRuns: 300 },
    )
  })
})

describe('ConsumedFile', () => {
  it('refuses a user list longer than the declared bound', () => {
    const r = ConsumedFile.safeParse({ max_per_user: 1, users: { u: ['a', 'b'] } })
    expect(r.success).toBe(false)
    expect(r.error!.issues[0]!.path).toEqual(['users', 'u'])
  })
})
