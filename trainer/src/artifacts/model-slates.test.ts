import { describe, expect, it } from 'vitest'
import { trainEase } from '../recommenders/ease'
import { trainItemKnn } from '../recommenders/item-knn'
import { easeUserSlates, knnUserSlates } from './model-slates'

// Two tastes: {a, b, c} and {x, y}; 'gone' is unavailable.
const pairs = Object.entries({
  u1: 'ab',
  u2: 'abc',
  u3: 'bc',
  u4: 'ac',
  v1: 'xy',
  v2: 'x',
  v3: 'xy',
}).flatMap(([user_id, items]) => [...items].map((item_id) => ({ user_id, item_id })))
pairs.push({ user_id: 'u2', item_id: 'gone' }, { user_id: 'u3', item_id: 'gone' })
const consumed = new Map<string, Set<string>>()
for (const p of pairs)
  consumed.set(p.user_id, (consumed.get(p.user_id) ?? new Set()).add(p.item_id))
const keep = (id: string) => id !== 'gone'

describe('user slates of history models', () => {
  it('EASE: never a consumed or unavailable item, best first, the same taste on top', async () => {
    const r = await trainEase(pairs, { lambda: 1, minSupport: 1 })
    if (!r.ok) throw new Error(r.error.message)
    const slates = easeUserSlates(r.value, { k: 3, keep, consumed })
    expect(slates.size).toBe(consumed.size)
    for (const [user, slate] of slates) {
      expect(slate.length).toBeLessThanOrEqual(3)
      for (const s of slate)
        expect(consumed.get(user)!.has(s.item_id) || s.item_id === 'gone').toBe(false)
      for (let i = 1; i < slate.length; i++)
        expect(slate[i - 1]!.score).toBeGreaterThanOrEqual(slate[i]!.score)
    }
    expect(slates.get('u1')![0]!.item_id).toBe('c')
    expect(slates.get('v2')![0]!.item_id).toBe('y')
  })

  it('item-kNN: the same guarantees', () => {
    const slates = knnUserSlates(trainItemKnn(pairs, { shrink: 0 }), { k: 5, keep, consumed })
    expect(slates.get('u1')!.map((s) => s.item_id)).toEqual(['c'])
    expect(slates.get('v2')!.map((s) => s.item_id)).toEqual(['y'])
    for (const [user, slate] of slates)
      for (const s of slate)
        expect(consumed.get(user)!.has(s.item_id) || s.item_id === 'gone').toBe(false)
  })
})
