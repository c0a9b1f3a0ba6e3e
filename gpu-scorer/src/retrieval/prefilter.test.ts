import fc from 'fast-check'
import {
  applyEligibility,
  EMPTY_USER_STATE,
  RANK_SOURCES,
  RankRequest,
  type CatalogFlags,
} from '@recsys/shared'
import { describe, expect, it } from 'vitest'
import { REASONS } from '../ranking/reasons'
import { prefilter, PrefilterVerdicts } from './prefilter'
import type { RetrievedCandidate } from './retrieve'

const ids = Array.from({ length: 40 }, (_, i) => `item-${i}`)
const countries = ['DE', 'FR', 'US']

const flags = fc.record({
  available: fc.boolean(),
  categories: fc.constant<string[]>(['c']),
  min_age: fc.constantFrom(0, 0, 0, 18),
  sponsored: fc.constant(false),
  safe: fc.constant(true),
  regions_allowed: fc.option(fc.subarray(countries), { nil: undefined }),
  regions_blocked: fc.option(fc.subarray(countries), { nil: undefined }),
})

const candidate = (id: string, k: number): RetrievedCandidate => {
  const source = RANK_SOURCES[k % RANK_SOURCES.length]!
  return {
    item_id: id,
    tier: 'ranked',
    source,
    sources: [source],
    reason: REASONS[source],
    needs: k % 2 ? 'personalized' : 'non_personalized',
  }
}

describe('prefilter', () => {
  it('keeps exactly what shared applyEligibility keeps, in order, with the same reasons (consumed too), request after request', () => {
    fc.assert(
      fc.property(
        // Some ids are not in the catalog.
        fc.dictionary(fc.constantFrom(...ids.slice(0, 32)), flags),
        fc.subarray(ids),
        fc.array(
          fc.record({
            candidates: fc.shuffledSubarray(ids),
            exclude: fc.subarray(ids, { maxLength: 8 }),
            consumed: fc.subarray(ids, { maxLength: 8 }),
            anchor: fc.option(fc.constantFrom(...ids), { nil: undefined }),
            country: fc.option(fc.constantFrom(...countries), { nil: undefined }),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        (catalogObj, denylist, requests) => {
          const catalog = new Map(Object.entries(catalogObj) as Array<[string, CatalogFlags]>)
          const denied = new Set(denylist)
          // One release (one memo) serves every request.
          const release = {
            denied,
            catalog,
            prefilterVerdicts: new PrefilterVerdicts({ denied, catalog }),
          }
          for (const r of requests) {
            const req = RankRequest.parse({
              tenant: 't',
              surface: 'home_feed',
              subject: 'u.x',
              exclude: r.exclude,
              anchor_item: r.anchor,
              country: r.country,
            })
            const cs = r.candidates.map(candidate)
            const report = Object.fromEntries(
              RANK_SOURCES.map((s) => [s, { quota: 10, retrieved: 10, kept: 99 }]),
            )
            const consumed = new Set(r.consumed)
            const got = prefilter(release, req, cs, report, 0, consumed)
            const suppressed = new Set([...r.exclude, ...(r.anchor ? [r.anchor] : [])])
            const want = applyEligibility(cs, {
              now: 0,
              denied,
              catalog: (id) => catalog.get(id),
              user: { ...EMPTY_USER_STATE, suppressedItems: suppressed },
              country: r.country,
              privacy: 'personalized',
              rules: { exclude_seen: false, exclude_consumed: true },
              consumed,
            })
            expect(got.kept).toEqual(want.kept)
            const byId = (a: { item_id: string }, b: { item_id: string }) =>
              a.item_id.localeCompare(b.item_id)
            expect([...got.removed].sort(byId)).toEqual([...want.removed].sort(byId))
            for (const s of RANK_SOURCES)
              expect(report[s]!.kept).toBe(want.kept.filter((c) => c.source === s).length)
          }
        },
      ),
      { numRuns: 300 },
    )
  })
})
