/**
 * Property tests of the whole funnel as the edge composes it: the ladder with final eligibility, then rerank.
 * Eligibility is recomputed here with a plain reference predicate written from docs/architecture.md#final-eligibility
 * and the filter docs, never by calling the filters, so that a bug in a filter cannot hide itself.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { CatalogFlags, EligibilityRules, RerankRules } from '../contracts/artifacts'
import { PRIVACY_MODES, TIERS, type PrivacyMode, type Tier } from '../contracts/common'
import type { EligibilityContext, UserState } from '../eligibility/context'
import { applyEligibility } from '../eligibility/final-eligibility'
import { fillLadder, type Rung } from '../ladder/fill'
import { rerank } from '../rerank/rerank'
import { err, ok } from '../util/result'
import type { Candidate } from './types'

const NOW = Date.UTC(2026, 10, 21, 12)
const DAY = 86_400_000

const CATALOG_IDS = Array.from({ length: 24 }, (_, i) => `i${i}`)
/** Ids that slates may name but the catalog does not hold. */
const GHOST_IDS = ['ghost-1', 'ghost-2']
const ALL_IDS = [...CATALOG_IDS, ...GHOST_IDS]
const CATEGORIES = ['news', 'sport', 'kids', 'music']
const COUNTRIES = ['US', 'DE', 'FR', 'JP']

/** Under a request mode, the candidate `needs` values that may be served (docs/architecture.md#privacy-modes). */
const SERVABLE_UNDER: Record<PrivacyMode, PrivacyMode[]> = {
  personalized: ['personalized', 'contextual_only', 'non_personalized'],
  contextual_only: ['contextual_only', 'non_personalized'],
  non_personalized: ['non_personalized'],
}

// ---------------------------------------------------------------------------------------------
// Generators

/** `arb` one time in `oneIn`, undefined otherwise. */
const rarely = <T>(arb: fc.Arbitrary<T>, oneIn: number) =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: oneIn - 1 }, { arbitrary: arb, weight: 1 })

const arbFlags: fc.Arbitrary<CatalogFlags> = fc.record({
  available: fc.nat({ max: 4 }).map((n) => n > 0),
  categories: fc.subarray(CATEGORIES, { maxLength: 2 }),
  regions_allowed: rarely(fc.subarray(COUNTRIES), 4),
  regions_blocked: rarely(fc.subarray(COUNTRIES, { maxLength: 2 }), 4),
  min_age: fc.constantFrom(0, 0, 13, 18),
  published_at: fc.option(fc.integer({ min: NOW - 30 * DAY, max: NOW }), { nil: undefined }),
  sponsored: fc.nat({ max: 4 }).map((n) => n === 0),
  safe: fc.boolean(),
})

const arbCatalog = fc
  .tuple(...CATALOG_IDS.map(() => arbFlags))
  .map((flags) => new Map(CATALOG_IDS.map((id, i) => [id, flags[i]!])))

const arbUser: fc.Arbitrary<UserState> = fc.record({
  suppressedItems: fc.subarray(ALL_IDS, { maxLength: 4 }).map((xs) => new Set(xs)),
  suppressedCategories: fc.subarray(CATEGORIES, { maxLength: 2 }).map((xs) => new Set(xs)),
  impressions: fc
    .array(
      fc.tuple(
        fc.constantFrom(...ALL_IDS),
        fc.array(fc.integer({ min: NOW - 3 * 3600_000, max: NOW }), { maxLength: 4 }),
      ),
      { maxLength: 6 },
    )
    .map((xs) => new Map(xs)),
  seen: fc.subarray(ALL_IDS, { maxLength: 4 }).map((xs) => new Set(xs)),
  age: fc.option(fc.integer({ min: 8, max: 70 }), { nil: undefined }),
  // The user's history (views, clicks): what `exclude_consumed` keeps out of every tier.
  recentItems: fc.subarray(ALL_IDS, { maxLength: 6 }),
})

const arbEligibilityRules: fc.Arbitrary<EligibilityRules> = fc.record(
  {
    frequency_cap: fc.record({
      max: fc.integer({ min: 1, max: 3 }),
      window_s: fc.constantFrom(60, 3600, 7200),
    }),
    exclude_seen: fc.boolean(),
    exclude_consumed: fc.boolean(),
  },
  { requiredKeys: ['exclude_seen', 'exclude_consumed'] },
)

const arbPositions = fc.array(fc.integer({ min: 1, max: 12 }), { maxLength: 3 })
const arbRerankRules: fc.Arbitrary<RerankRules> = fc.record(
  {
    relevance_floor: fc.double({ min: 0, max: 1, noNaN: true }),
    freshness: fc.record({
      boost: fc.double({ min: 0, max: 2, noNaN: true }),
      half_life_days: fc.double({ min: 0.5, max: 14, noNaN: true }),
    }),
    category_cap: fc.record({
      max: fc.integer({ min: 1, max: 2 }),
      top_n: fc.integer({ min: 1, max: 8 }),
    }),
    sponsored: fc.record({ positions: arbPositions, max: fc.integer({ min: 0, max: 2 }) }),
    exploration: fc.record({ positions: arbPositions }),
  },
  { requiredKeys: [] },
)

interface RungSpec {
  tier: Tier
  outcome: 'load' | 'skip' | 'fail'
  entries: { id: string; needs: PrivacyMode; score: number | undefined }[]
}

/** Up to four rungs in ladder order, each a random slate (duplicates and ghost items included). */
const arbRungs: fc.Arbitrary<RungSpec[]> = fc
  .tuple(
    fc.subarray([...TIERS], { minLength: 1, maxLength: 4 }),
    fc.array(
      fc.record({
        outcome: fc.constantFrom('load', 'load', 'load', 'load', 'skip', 'fail'),
        entries: fc.array(
          fc.record({
            id: fc.constantFrom(...ALL_IDS),
            needs: fc.constantFrom<PrivacyMode>(
              'personalized',
              'contextual_only',
              'non_personalized',
              'non_personalized',
            ),
            score: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
          }),
          { maxLength: 16 },
        ),
      }),
      { minLength: 4, maxLength: 4 },
    ),
  )
  .map(([tiers, specs]) => tiers.map((tier, i) => ({ tier, ...specs[i]! }) as RungSpec))

const arbScenario = fc.record({
  catalog: arbCatalog,
  denied: fc.subarray(ALL_IDS, { maxLength: 4 }).map((xs) => new Set(xs)),
  user: fc.option(arbUser, { nil: undefined, freq: 4 }),
  country: fc.option(fc.constantFrom(...COUNTRIES, 'BR'), { nil: undefined, freq: 4 }),
  privacy: fc.constantFrom(...PRIVACY_MODES),
  eligibility: arbEligibilityRules,
  rerankRules: arbRerankRules,
  rungs: arbRungs,
  limit: fc.integer({ min: 1, max: 10 }),
  seed: fc.string({ maxLength: 6 }),
})
type Scenario = typeof arbScenario extends fc.Arbitrary<infer S> ? S : never

// ---------------------------------------------------------------------------------------------
// The reference: what must never be shown, written out rule by rule.

/** Why the reference forbids showing `c`, or undefined when it may be shown. */
function forbidden(s: Scenario, c: Candidate): string | undefined {
  const flags = s.catalog.get(c.item_id)
  if (s.denied.has(c.item_id)) return 'denylisted'
  if (!flags) return 'not in catalog'
  if (!flags.available) return 'unavailable'
  if (flags.regions_allowed !== undefined) {
    if (s.country === undefined || !flags.regions_allowed.includes(s.country))
      return 'not allowed in region'
  }
  // Fail closed: with the country unknown, a non-empty block-list blocks too.
  if (
    flags.regions_blocked?.length &&
    (s.country === undefined || flags.regions_blocked.includes(s.country))
  )
    return 'blocked in region'
  if (flags.min_age > 0 && !(s.user?.age !== undefined && s.user.age >= flags.min_age)) return 'age'
  if (!SERVABLE_UNDER[s.privacy].includes(c.needs)) return 'privacy mode'
  const u = s.user
  if (u) {
    if (u.suppressedItems.has(c.item_id)) return 'suppressed item'
    if (flags.categories.some((cat) => u.suppressedCategories.has(cat)))
      return 'suppressed category'
    const cap = s.eligibility.frequency_cap
    if (cap) {
      const recent = (u.impressions.get(c.item_id) ?? []).filter(
        (t) => NOW - t <= cap.window_s * 1000,
      )
      if (recent.length >= cap.max) return 'frequency capped'
    }
    if (s.eligibility.exclude_seen && u.seen.has(c.item_id)) return 'seen'
    // The history is personal data: the edge reads it in personalized mode only.
    if (
      s.eligibility.exclude_consumed &&
      s.privacy === 'personalized' &&
      u.recentItems.includes(c.item_id)
    )
      return 'consumed'
  }
  return undefined
}

// ---------------------------------------------------------------------------------------------
// The funnel as the edge runs it.

const toCandidate = (tier: Tier, e: RungSpec['entries'][number]): Candidate => ({
  item_id: e.id,
  tier,
  source: 'slate',
  reason: 'test',
  needs: e.needs,
  ...(e.score === undefined ? {} : { score: e.score }),
})

function eligibilityContext(s: Scenario): EligibilityContext {
  return {
    now: NOW,
    denied: s.denied,
    catalog: (id) => s.catalog.get(id),
    user: s.user,
    country: s.country,
    privacy: s.privacy,
    rules: s.eligibility,
    // As the edge builds it: the user's recent items are their history, read in personalized mode.
    consumed: s.user && s.privacy === 'personalized' ? new Set(s.user.recentItems) : undefined,
  }
}

async function runFunnel(s: Scenario) {
  const loaded: Tier[] = []
  const rungs: Rung[] = s.rungs.map((r) => ({
    tier: r.tier,
    ...(r.outcome === 'skip' ? { skip: 'test' } : {}),
    load: async () => {
      loaded.push(r.tier)
      return r.outcome === 'fail' ? err('down') : ok(r.entries.map((e) => toCandidate(r.tier, e)))
    },
  }))
  const ctx = eligibilityContext(s)
  const ladder = await fillLadder(rungs, (cs) => applyEligibility(cs, ctx), s.limit)
  const slate = rerank(ladder.candidates, {
    now: NOW,
    limit: s.limit,
    catalog: ctx.catalog,
    rules: s.rerankRules,
    seed: s.seed,
  })
  return { ladder, slate, loaded }
}

const RUNS = { numRuns: 1500 }

describe('funnel invariants', () => {
  it('final eligibility keeps exactly what the reference allows', () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        const cs = s.rungs.flatMap((r) => r.entries.map((e) => toCandidate(r.tier, e)))
        const r = applyEligibility(cs, eligibilityContext(s))
        const why = (c: Candidate) => `${c.item_id}/${c.needs}: ${forbidden(s, c) ?? 'allowed'}`
        expect(r.kept.map(why)).toEqual(cs.filter((c) => !forbidden(s, c)).map(why))
        expect(r.removed).toHaveLength(cs.length - r.kept.length)
      }),
      RUNS,
    )
  })

  it('never serves an item that must not be shown', async () => {
    await fc.assert(
      fc.asyncProperty(arbScenario, async (s) => {
        const { ladder, slate } = await runFunnel(s)
        for (const c of ladder.candidates) expect(forbidden(s, c), c.item_id).toBeUndefined()
        for (const item of slate.items) expect(forbidden(s, item), item.item_id).toBeUndefined()
      }),
      RUNS,
    )
  })

  it('exclude_consumed: a personalized request never serves the user history, whatever the tier; with the rule off it is not removed', async () => {
    await fc.assert(
      fc.asyncProperty(arbScenario, fc.boolean(), async (scenario, on) => {
        const s = {
          ...scenario,
          privacy: 'personalized' as const,
          eligibility: { ...scenario.eligibility, exclude_consumed: on },
        }
        const history = new Set(s.user?.recentItems ?? [])
        const { ladder, slate } = await runFunnel(s)
        const consumedRemovals = ladder.removed.filter((r) => r.reason === 'consumed')
        if (on) {
          for (const item of slate.items)
            expect(history.has(item.item_id), item.item_id).toBe(false)
          for (const r of consumedRemovals) expect(history.has(r.item_id)).toBe(true)
        } else {
          expect(consumedRemovals).toEqual([])
          // Off, the history changes nothing: the same slate as for a user without one.
          const blank = { ...s, user: s.user && { ...s.user, recentItems: [] } }
          const same = await runFunnel(blank)
          expect(slate.items.map((i) => i.item_id)).toEqual(same.slate.items.map((i) => i.item_id))
        }
      }),
      RUNS,
    )
  })

  it('serves at most `limit` items, each once, each from a loaded rung', async () => {
    await fc.assert(
      fc.asyncProperty(arbScenario, async (s) => {
        const { slate, loaded } = await runFunnel(s)
        const ids = slate.items.map((i) => i.item_id)
        expect(ids.length).toBeLessThanOrEqual(s.limit)
        expect(new Set(ids).size).toBe(ids.length)
        for (const item of slate.items) {
          const rung = s.rungs.find((r) => r.tier === item.tier)!
          expect(loaded).toContain(rung.tier)
          expect(rung.outcome).toBe('load')
          expect(rung.entries.some((e) => e.id === item.item_id && e.needs === item.needs)).toBe(
            true,
          )
        }
      }),
      RUNS,
    )
  })

  it('serves a non-empty slate whenever a rung holds an eligible item', async () => {
    await fc.assert(
      fc.asyncProperty(arbScenario, async (s) => {
        const { slate, loaded } = await runFunnel(s)
        const eligible = (tiers: Tier[]) =>
          s.rungs
            .filter((r) => r.outcome === 'load' && tiers.includes(r.tier))
            .flatMap((r) => r.entries.map((e) => toCandidate(r.tier, e)))
            .filter((c) => !forbidden(s, c))
        const sponsored = (c: Candidate) => s.catalog.get(c.item_id)?.sponsored === true
        const spons = s.rerankRules.sponsored
        const placeable = !spons || (spons.max > 0 && spons.positions.some((p) => p <= s.limit))
        // With a sponsored rule that admits no sponsored item, those items cannot fill the slate: only organic ones
        // in the rungs the ladder loaded can. (The ladder counts them toward `limit` before rerank drops them.)
        const expectItems = placeable
          ? eligible([...TIERS]).length > 0
          : eligible(loaded).some((c) => !sponsored(c))
        if (expectItems) expect(slate.items.length).toBeGreaterThan(0)
      }),
      RUNS,
    )
  })

  it('serves sponsored items only within the sponsored cap and exploration slots only with safe items', async () => {
    await fc.assert(
      fc.asyncProperty(arbScenario, async (s) => {
        const { slate } = await runFunnel(s)
        const spons = s.rerankRules.sponsored
        if (spons)
          expect(slate.items.filter((i) => i.sponsored).length).toBeLessThanOrEqual(spons.max)
        for (const item of slate.items)
          if (item.rules.includes('exploration_slot'))
            expect(s.catalog.get(item.item_id)).toMatchObject({ safe: true, sponsored: false })
      }),
      RUNS,
    )
  })
})
