import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { baseSpec, createKey, newTenant, publish, seedUser, slate } from './fixtures'
import { recommend } from './request'

describe('tenant isolation', () => {
  it("a key of tenant A never receives tenant B's items, even with the same item and user ids", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 10 }),
        fc.uniqueArray(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 10 }),
        fc.boolean(),
        async (aList, bList, consent) => {
          const a = newTenant('A')
          const b = newTenant('B')
          const aIds = aList.map((i) => `i${i}`)
          const bIds = bList.map((i) => `i${i}`)
          // Same catalog ids, same user id; A denies everything B serves that A does not list itself.
          await publish(
            baseSpec(a, {
              popular: [{ surface: 'home_feed', slate: slate(aIds) }],
              user_slates: [
                { surface: 'home_feed', user_id: 'u1', slate: slate(aIds.slice(0, 3)) },
              ],
              segments: [],
            }),
          )
          await publish(
            baseSpec(b, {
              popular: [{ surface: 'home_feed', slate: slate(bIds) }],
              user_slates: [{ surface: 'home_feed', user_id: 'u1', slate: slate(bIds) }],
              segments: [],
            }),
          )
          await seedUser(a, 'u1', { consent })
          await seedUser(b, 'u1', { consent: true, suppressedItems: aIds })
          const keyA = await createKey(a)
          const { status, json } = await recommend(keyA, {
            surface: 'home_feed',
            subject: { user_id: 'u1' },
            limit: 40,
          })
          expect(status).toBe(200)
          const served = json.items.map((i: { item_id: string }) => i.item_id)
          // Every item comes from A's own lists, and B's suppression of u1 does not leak into A.
          for (const id of served) expect(aIds).toContain(id)
          expect(new Set(served)).toEqual(new Set(aIds))
        },
      ),
      { numRuns: 15 },
    )
  })
})
