import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { PrivacyMode, ReleaseSpec } from '@recsys/shared'
import { createKey, newTenant, publish, seedUser, slate } from './fixtures'
import { recommend } from './request'
import { seedRecent } from './scorer-fixture'

/**
 * Property tests through the real app, real Miniflare KV and real Redis: random catalogs, denylists, suppression
 * sets, consent states and cached slates. Eligibility is recomputed here by a plain reference predicate.
 */
const COUNTRIES = ['US', 'FR', 'DE'] as const
const CATS = ['c0', 'c1', 'c2'] as const

const item = fc.record({
  available: fc.constantFrom(true, true, true, false),
  categories: fc.subarray([...CATS], { minLength: 1, maxLength: 2 }),
  regions_blocked: fc.option(fc.subarray([...COUNTRIES], { maxLength: 2 }), { nil: undefined }),
  regions_allowed: fc.option(fc.subarray([...COUNTRIES], { minLength: 1, maxLength: 2 }), {
    nil: undefined,
  }),
  min_age: fc.constantFrom(0, 0, 0, 18),
  sponsored: fc.boolean(),
  safe: fc.boolean(),
})

const world = fc
  .record({
    n: fc.integer({ min: 5, max: 30 }),
    items: fc.array(item, { minLength: 30, maxLength: 30 }),
    inCatalog: fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }),
    denied: fc.array(fc.integer({ min: 0, max: 34 }), { maxLength: 8 }),
    suppressed: fc.array(fc.integer({ min: 0, max: 34 }), { maxLength: 6 }),
    suppressedCats: fc.subarray([...CATS], { maxLength: 2 }),
    // The user's history (recent items of user state) and the rule that keeps it out.
    recent: fc.uniqueArray(fc.integer({ min: 0, max: 34 }), { maxLength: 6 }),
    excludeConsumed: fc.boolean(),
    consent: fc.option(fc.boolean(), { nil: undefined }),
    age: fc.option(fc.integer({ min: 10, max: 40 }), { nil: undefined }),
    requested: fc.option(
      fc.constantFrom<PrivacyMode>('personalized', 'contextual_only', 'non_personalized'),
      {
        nil: undefined,
      },
    ),
    country: fc.option(fc.constantFrom(...COUNTRIES), { nil: undefined }),
    userSlate: fc.array(fc.integer({ min: 0, max: 34 }), { maxLength: 25 }),
    popular: fc.array(fc.integer({ min: 0, max: 34 }), { maxLength: 25 }),
    limit: fc.integer({ min: 1, max: 30 }),
    rerank: fc.record(
      {
        category_cap: fc.record({
          max: fc.integer({ min: 1, max: 3 }),
          top_n: fc.integer({ min: 1, max: 10 }),
        }),
        sponsored: fc.record({
          positions: fc.array(fc.integer({ min: 1, max: 10 }), { maxLength: 3 }),
          max: fc.integer({ min: 0, max: 2 }),
        }),
        exploration: fc.record({
          positions: fc.array(fc.integer({ min: 1, max: 10 }), { maxLength: 2 }),
        }),
      },
      { requiredKeys: [] },
    ),
  })
  .map((w) => ({ ...w, items: w.items.slice(0, w.n), inCatalog: w.inCatalog.slice(0, w.n) }))

const id = (i: number) => `i${i}`

describe('final eligibility invariants (property)', () => {
  it('never serves an item it must not show (the history with exclude_consumed on), never a duplicate, and is non-empty while anything is eligible', async () => {
    await fc.assert(
      fc.asyncProperty(world, async (w) => {
        const tenant = newTenant('prop')
        const catalog: ReleaseSpec['catalog'] = {}
        w.items.forEach((it, i) => {
          if (w.inCatalog[i]) catalog[id(i)] = it
        })
        await publish({
          tenant,
          release: 'r1',
          created_at: new Date().toISOString(),
          model_version: 'm',
          rules_version: 'r',
          config: { tenant, surfaces: [{ id: 'home_feed', kind: 'personalized' }] },
          catalog,
          catalog_shards: 2,
          denylist: w.denied.map(id),
          rules: {
            default: {
              version: 'r',
              eligibility: { exclude_seen: true, exclude_consumed: w.excludeConsumed },
              rerank: w.rerank,
            },
          },
          popular: [{ surface: 'home_feed', slate: slate(w.popular.map(id)) }],
          user_slates: [{ surface: 'home_feed', user_id: 'u1', slate: slate(w.userSlate.map(id)) }],
        })
        await seedUser(tenant, 'u1', {
          consent: w.consent,
          age: w.age,
          suppressedItems: w.suppressed.map(id),
          suppressedCategories: w.suppressedCats,
        })
        if (w.recent.length) await seedRecent(tenant, 'u1', w.recent.map(id))
        const key = await createKey(tenant)
        const { status, json } = await recommend(key, {
          surface: 'home_feed',
          subject: { user_id: 'u1' },
          limit: w.limit,
          ...(w.requested && { privacy_mode: w.requested }),
          ...(w.country && { context: { country: w.country } }),
        })
        expect(status).toBe(200)

        const personalized =
          w.consent === true && (w.requested ?? 'personalized') === 'personalized'
        const eligible = (itemId: string) => {
          const flags = catalog[itemId]
          if (!flags || flags.available === false) return false
          if (w.denied.map(id).includes(itemId)) return false
          if (w.suppressed.map(id).includes(itemId)) return false
          if ((flags.categories ?? []).some((c) => w.suppressedCats.includes(c as never)))
            return false
          if (flags.regions_allowed && (!w.country || !flags.regions_allowed.includes(w.country)))
            return false
          if (
            flags.regions_blocked?.length &&
            (!w.country || flags.regions_blocked.includes(w.country))
          )
            return false
          if ((flags.min_age ?? 0) > 0 && (w.age === undefined || w.age < (flags.min_age ?? 0)))
            return false
          // exclude_consumed: the history never appears, whatever the tier (read in personalized mode only).
          if (w.excludeConsumed && personalized && w.recent.map(id).includes(itemId)) return false
          return true
        }
        const served: string[] = json.items.map((i: { item_id: string }) => i.item_id)
        expect(new Set(served).size).toBe(served.length)
        expect(served.length).toBeLessThanOrEqual(w.limit)
        for (const s of served) {
          expect(eligible(s), `${s} is not eligible`).toBe(true)
          // Without personalization, only the non-personalized popular list may contribute.
          if (!personalized) expect(w.popular.map(id)).toContain(s)
        }
        const available = [
          ...new Set([...(personalized ? w.userSlate : []), ...w.popular].map(id).filter(eligible)),
        ]
        // Rerank may drop sponsored items: at most `max` of them, and only into slots within the limit; sponsored
        // items alone, with no slot within the limit, take the first positions instead (rerank fails open).
        const spons = w.rerank.sponsored
        const sponsoredN = available.filter((i) => catalog[i]?.sponsored).length
        const organicN = available.length - sponsoredN
        const slotsIn = spons ? new Set(spons.positions.filter((p) => p <= w.limit)).size : 0
        const placeable = spons
          ? Math.min(sponsoredN, spons.max, slotsIn === 0 && organicN === 0 ? w.limit : slotsIn)
          : sponsoredN
        const expected = Math.min(w.limit, organicN + placeable)
        expect(served.length).toBe(expected)
        if (organicN > 0 || (sponsoredN > 0 && (spons?.max ?? 1) > 0))
          expect(served.length).toBeGreaterThan(0)
        if (spons)
          expect(served.filter((i) => catalog[i]?.sponsored).length).toBeLessThanOrEqual(spons.max)
      }),
      { numRuns: 40 },
    )
  })
})
