import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Lru } from './lru'

describe('Lru', () => {
  it('evicts the least recently used entry beyond maxEntries', () => {
    const l = new Lru<string, number>(2)
    l.set('a', 1)
    l.set('b', 2)
    expect(l.get('a')).toBe(1) // a is now the most recent
    l.set('c', 3)
    expect(l.get('b')).toBeUndefined()
    expect([l.get('a'), l.get('c')]).toEqual([1, 3])
  })

  it('evicts by weight: the held weight never exceeds maxWeight, and an entry heavier than it is not held', () => {
    const l = new Lru<string, string>(100, 10)
    l.set('a', 'x', 4)
    l.set('b', 'y', 4)
    l.set('c', 'z', 4)
    expect(l.get('a')).toBeUndefined()
    expect(l.weight).toBe(8)
    l.set('huge', 'w', 11)
    expect(l.get('huge')).toBeUndefined()
    expect([l.get('b'), l.get('c')]).toEqual(['y', 'z'])
  })

  it('keeps its weight accounting exact under any sequence of sets and deletes', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 30 })),
          { maxLength: 200 },
        ),
        (ops) => {
          const l = new Lru<number, number>(5, 40)
          const model = new Map<number, number>()
          for (const [del, k, w] of ops) {
            if (del) {
              l.delete(k)
              model.delete(k)
            } else {
              l.set(k, w, w)
              model.delete(k)
              model.set(k, w)
              // The model evicts as the cache must: oldest first, while over either bound.
              let total = [...model.values()].reduce((a, b) => a + b, 0)
              while (model.size > 5 || total > 40) {
                const oldest = model.keys().next().value as number
                total -= model.get(oldest)!
                model.delete(oldest)
              }
            }
            expect(l.weight).toBeLessThanOrEqual(40)
            expect(l.size).toBeLessThanOrEqual(5)
          }
          expect(l.weight).toBe([...model.values()].reduce((a, b) => a + b, 0))
          for (const [k, w] of model) expect(l.get(k)).toBe(w)
        },
      ),
    )
  })
})
