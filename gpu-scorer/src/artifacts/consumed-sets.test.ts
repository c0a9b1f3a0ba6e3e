import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ConsumedSets, EMPTY_ITEM_SET, unionOf } from './consumed-sets'

describe('ConsumedSets', () => {
  it('answers membership per user, and nothing for a user it does not know', () => {
    const c = new ConsumedSets({ users: { a: ['x', 'y'], b: ['y', 'z'], empty: [] } })
    expect([c.users, c.pairs]).toEqual([3, 4])
    expect(c.of('a').size).toBe(2)
    expect(['x', 'y', 'z', 'w'].map((i) => c.of('a').has(i))).toEqual([true, true, false, false])
    expect(['x', 'y', 'z'].map((i) => c.of('b').has(i))).toEqual([false, true, true])
    expect(c.of('nobody')).toBe(EMPTY_ITEM_SET)
    expect(c.of('empty').size).toBe(0)
    expect(new ConsumedSets().of('a').has('x')).toBe(false)
  })

  it('property: agrees with a Set per user', () => {
    const ids = Array.from({ length: 30 }, (_, i) => `i${i}`)
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom('u1', 'u2', 'u3', 'u4'),
          fc.uniqueArray(fc.constantFrom(...ids)),
        ),
        (users) => {
          const c = new ConsumedSets({ users })
          for (const u of ['u1', 'u2', 'u3', 'u4', 'u5']) {
            const want = new Set(users[u] ?? [])
            expect(c.of(u).size).toBe(want.size)
            for (const i of ids) expect(c.of(u).has(i)).toBe(want.has(i))
          }
        },
      ),
      { numRuns: 200 },
    )
  })

  it('unionOf holds the items of both', () => {
    const u = unionOf(new Set(['a']), new Set(['b']))
    expect(['a', 'b', 'c'].map((i) => u.has(i))).toEqual([true, true, false])
    expect(unionOf(EMPTY_ITEM_SET, new Set(['a'])).has('a')).toBe(true)
  })
})
