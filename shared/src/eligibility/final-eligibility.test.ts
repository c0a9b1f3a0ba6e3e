import { describe, expect, it } from 'vitest'
import { CatalogFlags } from '../contracts/artifacts'
import type { PrivacyMode } from '../contracts/common'
import type { Candidate } from '../funnel/types'
import type { EligibilityContext, UserState } from './context'
import { applyEligibility, FINAL_ELIGIBILITY } from './final-eligibility'

const NOW = Date.UTC(2026, 10, 21, 12)

const cand = (item_id: string, needs: PrivacyMode = 'non_personalized'): Candidate => ({
  item_id,
  tier: 'segment',
  source: 'test',
  reason: 'test',
  needs,
})

const user: UserState = {
  suppressedItems: new Set(['supp']),
  suppressedCategories: new Set(['hidden-cat']),
  impressions: new Map([['capped', [NOW - 1000]]]),
  seen: new Set(['seen']),
  recentItems: [],
  age: 16,
}

function ctx(
  catalog: Record<string, Partial<CatalogFlags>>,
  over: Partial<EligibilityContext> = {},
) {
  const parsed = new Map(Object.entries(catalog).map(([id, f]) => [id, CatalogFlags.parse(f)]))
  const c: EligibilityContext = {
    now: NOW,
    denied: new Set(['denied']),
    catalog: (id) => parsed.get(id),
    user,
    country: 'FR',
    privacy: 'contextual_only',
    rules: { exclude_seen: true, exclude_consumed: true, frequency_cap: { max: 1, window_s: 60 } },
    consumed: new Set(['watched']),
    ...over,
  }
  return c
}

describe('FINAL_ELIGIBILITY', () => {
  it('runs privacy and denylist first, catalog rules next and user rules last', () => {
    expect(FINAL_ELIGIBILITY.map((f) => f.id)).toEqual([
      'privacy',
      'denylist',
      'availability',
      'region',
      'age',
      'suppression',
      'frequency_cap',
      'seen',
      'consumed',
    ])
  })

  it('declares the fail mode of every stage: only caps, seen and consumed fail open', () => {
    const open = FINAL_ELIGIBILITY.filter((f) => f.failMode === 'open').map((f) => f.id)
    expect(open).toEqual(['frequency_cap', 'seen', 'consumed'])
  })
})

describe('applyEligibility', () => {
  const catalog: Record<string, Partial<CatalogFlags>> = {
    ok: { categories: ['a'] },
    denied: {},
    unavailable: { available: false },
    blocked: { regions_blocked: ['FR'] },
    adult: { min_age: 18 },
    supp: {},
    suppCat: { categories: ['hidden-cat'] },
    capped: {},
    seen: {},
    watched: {},
  }

  it('removes each ineligible candidate once, with the reason of the first stage that rejects it', () => {
    const ids = [
      'ok',
      'denied',
      'unavailable',
      'ghost',
      'blocked',
      'adult',
      'supp',
      'suppCat',
      'capped',
      'seen',
      'watched',
    ]
    const r = applyEligibility(
      [...ids.map((id) => cand(id)), cand('personal', 'personalized')],
      ctx(catalog),
    )
    expect(r.kept.map((c) => c.item_id)).toEqual(['ok'])
    expect(r.removed.map((x) => [x.item_id, x.stage, x.reason])).toEqual([
      ['personal', 'privacy', 'privacy_mode'],
      ['denied', 'denylist', 'denylisted'],
      ['unavailable', 'availability', 'unavailable'],
      ['ghost', 'availability', 'not_in_catalog'],
      ['blocked', 'region', 'region_blocked'],
      ['adult', 'age', 'age_restricted'],
      ['supp', 'suppression', 'suppressed_item'],
      ['suppCat', 'suppression', 'suppressed_category'],
      ['capped', 'frequency_cap', 'frequency_capped'],
      ['seen', 'seen', 'already_seen'],
      ['watched', 'consumed', 'consumed'],
    ])
  })

  it('blames the most fundamental reason when an item breaks several rules', () => {
    const everything: Partial<CatalogFlags> = {
      available: false,
      regions_blocked: ['FR'],
      min_age: 18,
    }
    const c = ctx({ x: everything }, { denied: new Set(['x']) })
    const u = { ...user, suppressedItems: new Set(['x']), seen: new Set(['x']) }
    const reasons = (needs: PrivacyMode, over: Partial<EligibilityContext> = {}) =>
      applyEligibility([cand('x', needs)], { ...c, user: u, ...over }).removed.map((r) => r.reason)
    expect(reasons('personalized')).toEqual(['privacy_mode'])
    expect(reasons('non_personalized')).toEqual(['denylisted'])
    expect(reasons('non_personalized', { denied: new Set() })).toEqual(['unavailable'])
    expect(
      reasons('non_personalized', {
        denied: new Set(),
        catalog: () => CatalogFlags.parse({ ...everything, available: true }),
      }),
    ).toEqual(['region_blocked'])
  })

  it('keeps the input order of the survivors and does not mutate the input', () => {
    const cs = ['c', 'b', 'a', 'denied', 'd'].map((id) => cand(id))
    const copy = structuredClone(cs)
    const r = applyEligibility(cs, ctx({ a: {}, b: {}, c: {}, d: {}, denied: {} }))
    expect(r.kept.map((k) => k.item_id)).toEqual(['c', 'b', 'a', 'd'])
    expect(cs).toEqual(copy)
  })

  it('without user state skips only the user rules that need it, and age still fails closed', () => {
    const r = applyEligibility(
      ['supp', 'suppCat', 'capped', 'seen', 'adult'].map((id) => cand(id)),
      ctx(catalog, { user: undefined }),
    )
    expect(r.kept.map((k) => k.item_id)).toEqual(['supp', 'suppCat', 'capped', 'seen'])
    expect(r.removed.map((x) => x.reason)).toEqual(['age_restricted'])
  })

  it('returns nothing removed for an empty input', () => {
    expect(applyEligibility([], ctx(catalog))).toEqual({ kept: [], removed: [] })
  })
})
