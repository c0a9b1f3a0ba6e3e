import { describe, expect, it } from 'vitest'
import { CatalogFlags } from '../contracts/artifacts'
import type { PrivacyMode, Tier } from '../contracts/common'
import type { Candidate, Filter } from '../funnel/types'
import type { EligibilityContext, UserState } from './context'
import {
  ageFilter,
  availabilityFilter,
  consumedFilter,
  denylistFilter,
  frequencyCapFilter,
  privacyFilter,
  regionFilter,
  seenFilter,
  suppressionFilter,
} from './filters'

const NOW = Date.UTC(2026, 10, 21, 12)

const cand = (
  item_id: string,
  needs: PrivacyMode = 'non_personalized',
  tier: Tier = 'global_popular',
): Candidate => ({
  item_id,
  tier,
  source: 'test',
  reason: 'test',
  needs,
})

const flags = (f: Partial<CatalogFlags> = {}): CatalogFlags => CatalogFlags.parse(f)

const user = (u: Partial<UserState> = {}): UserState => ({
  suppressedItems: new Set(),
  suppressedCategories: new Set(),
  impressions: new Map(),
  seen: new Set(),
  recentItems: [],
  ...u,
})

function ctx(
  catalog: Record<string, Partial<CatalogFlags>>,
  over: Partial<EligibilityContext> = {},
): EligibilityContext {
  const parsed = new Map(Object.entries(catalog).map(([id, f]) => [id, flags(f)]))
  return {
    now: NOW,
    denied: new Set(),
    catalog: (id) => parsed.get(id),
    user: user(),
    privacy: 'personalized',
    rules: { exclude_seen: true, exclude_consumed: true },
    ...over,
  }
}

/** Runs a filter and returns the kept ids and `id:reason` for each removal. */
function run(filter: Filter<EligibilityContext>, cs: Candidate[], c: EligibilityContext) {
  const r = filter.apply(cs, c)
  for (const rm of r.removed) expect(rm.stage).toBe(filter.id)
  expect(r.kept.length + r.removed.length).toBe(cs.length)
  return {
    kept: r.kept.map((k) => k.item_id),
    removed: r.removed.map((x) => `${x.item_id}:${x.reason}`),
  }
}

describe('denylistFilter', () => {
  it('removes denied items as denylisted and keeps the rest in order', () => {
    const c = ctx({}, { denied: new Set(['b', 'd']) })
    const r = run(
      denylistFilter,
      ['a', 'b', 'c', 'd'].map((id) => cand(id)),
      c,
    )
    expect(r.kept).toEqual(['a', 'c'])
    expect(r.removed).toEqual(['b:denylisted', 'd:denylisted'])
  })

  it('carries the tier of the removed candidate into the removal', () => {
    const r = denylistFilter.apply(
      [cand('x', 'personalized', 'cached_user')],
      ctx({}, { denied: new Set(['x']) }),
    )
    expect(r.removed).toEqual([
      { item_id: 'x', tier: 'cached_user', stage: 'denylist', reason: 'denylisted' },
    ])
  })

  it('fails closed', () => expect(denylistFilter.failMode).toBe('closed'))
})

describe('availabilityFilter', () => {
  it('removes items missing from the catalog as not_in_catalog and unavailable ones as unavailable', () => {
    const c = ctx({ a: {}, b: { available: false } })
    const r = run(availabilityFilter, [cand('a'), cand('b'), cand('ghost')], c)
    expect(r.kept).toEqual(['a'])
    expect(r.removed).toEqual(['b:unavailable', 'ghost:not_in_catalog'])
  })

  it('fails closed', () => expect(availabilityFilter.failMode).toBe('closed'))
})

describe('regionFilter', () => {
  const catalog = {
    anywhere: {},
    usOnly: { regions_allowed: ['US'] },
    notDe: { regions_blocked: ['DE'] },
    both: { regions_allowed: ['US', 'DE'], regions_blocked: ['DE'] },
    noOne: { regions_allowed: [] },
  }
  const all = () => ['anywhere', 'usOnly', 'notDe', 'both', 'noOne', 'ghost'].map((id) => cand(id))

  it('with a country on the allow-list keeps the item', () => {
    const r = run(regionFilter, all(), ctx(catalog, { country: 'US' }))
    expect(r.kept).toEqual(['anywhere', 'usOnly', 'notDe', 'both'])
    expect(r.removed).toEqual(['noOne:region_blocked', 'ghost:not_in_catalog'])
  })

  it('blocks a blocked country even when it is also allowed', () => {
    const r = run(regionFilter, all(), ctx(catalog, { country: 'DE' }))
    expect(r.kept).toEqual(['anywhere'])
    expect(r.removed).toEqual([
      'usOnly:region_blocked',
      'notDe:region_blocked',
      'both:region_blocked',
      'noOne:region_blocked',
      'ghost:not_in_catalog',
    ])
  })

  it('with an unknown country blocks every item with a region rule (fail closed)', () => {
    const r = run(regionFilter, all(), ctx(catalog, { country: undefined }))
    expect(r.kept).toEqual(['anywhere'])
    expect(r.removed).toEqual([
      'usOnly:region_blocked',
      'notDe:region_blocked',
      'both:region_blocked',
      'noOne:region_blocked',
      'ghost:not_in_catalog',
    ])
  })

  it('an empty block-list blocks no one, even with an unknown country', () => {
    const r = run(regionFilter, [cand('open')], ctx({ open: { regions_blocked: [] } }, {}))
    expect(r.kept).toEqual(['open'])
  })

  it('compares codes without case, on both sides', () => {
    const lower = { de: { regions_blocked: ['de'] }, us: { regions_allowed: ['us'] } }
    const cs = () => [cand('de'), cand('us')]
    expect(run(regionFilter, cs(), ctx(lower, { country: 'DE' })).removed).toEqual([
      'de:region_blocked',
      'us:region_blocked',
    ])
    expect(run(regionFilter, cs(), ctx(lower, { country: 'us' })).kept).toEqual(['de', 'us'])
  })

  it('treats an empty country like an unknown one', () => {
    const r = run(regionFilter, [cand('usOnly')], ctx(catalog, { country: '' }))
    expect(r.removed).toEqual(['usOnly:region_blocked'])
  })

  it('fails closed', () => expect(regionFilter.failMode).toBe('closed'))
})

describe('ageFilter', () => {
  const catalog = { all: {}, zero: { min_age: 0 }, adult: { min_age: 18 } }
  const cs = () => ['all', 'zero', 'adult'].map((id) => cand(id))

  it('keeps an age-restricted item for a user at or above the minimum age', () => {
    expect(run(ageFilter, cs(), ctx(catalog, { user: user({ age: 18 }) })).kept).toEqual([
      'all',
      'zero',
      'adult',
    ])
    expect(run(ageFilter, cs(), ctx(catalog, { user: user({ age: 40 }) })).kept).toEqual([
      'all',
      'zero',
      'adult',
    ])
  })

  it('removes it as age_restricted for a younger user', () => {
    const r = run(ageFilter, cs(), ctx(catalog, { user: user({ age: 17 }) }))
    expect(r.kept).toEqual(['all', 'zero'])
    expect(r.removed).toEqual(['adult:age_restricted'])
  })

  it('removes it when the age is unknown or the user state is missing (fail closed)', () => {
    expect(run(ageFilter, cs(), ctx(catalog, { user: user() })).removed).toEqual([
      'adult:age_restricted',
    ])
    expect(run(ageFilter, cs(), ctx(catalog, { user: undefined })).removed).toEqual([
      'adult:age_restricted',
    ])
    expect(ageFilter.failMode).toBe('closed')
  })
})

describe('privacyFilter', () => {
  const cs = () => [
    cand('p', 'personalized'),
    cand('c', 'contextual_only'),
    cand('n', 'non_personalized'),
  ]

  it.each<[PrivacyMode, string[], string[]]>([
    ['personalized', ['p', 'c', 'n'], []],
    ['contextual_only', ['c', 'n'], ['p:privacy_mode']],
    ['non_personalized', ['n'], ['p:privacy_mode', 'c:privacy_mode']],
  ])('under %s keeps %j', (mode, kept, removed) => {
    const r = run(privacyFilter, cs(), ctx({}, { privacy: mode }))
    expect(r.kept).toEqual(kept)
    expect(r.removed).toEqual(removed)
  })

  it('fails closed', () => expect(privacyFilter.failMode).toBe('closed'))
})

describe('suppressionFilter', () => {
  const catalog = { a: { categories: ['news'] }, b: { categories: ['sport', 'kids'] }, c: {} }
  const cs = () => ['a', 'b', 'c', 'ghost'].map((id) => cand(id))

  it('removes suppressed items as suppressed_item and items of suppressed categories as suppressed_category', () => {
    const u = user({
      suppressedItems: new Set(['a', 'ghost']),
      suppressedCategories: new Set(['kids']),
    })
    const r = run(suppressionFilter, cs(), ctx(catalog, { user: u }))
    expect(r.kept).toEqual(['c'])
    expect(r.removed).toEqual([
      'a:suppressed_item',
      'b:suppressed_category',
      'ghost:suppressed_item',
    ])
  })

  it('blames the item over its category when both are suppressed', () => {
    const u = user({ suppressedItems: new Set(['a']), suppressedCategories: new Set(['news']) })
    expect(run(suppressionFilter, [cand('a')], ctx(catalog, { user: u })).removed).toEqual([
      'a:suppressed_item',
    ])
  })

  it('keeps everything when the user state is missing', () => {
    const r = run(suppressionFilter, cs(), ctx(catalog, { user: undefined }))
    expect(r.kept).toEqual(['a', 'b', 'c', 'ghost'])
  })
})

describe('frequencyCapFilter', () => {
  const rules = {
    exclude_seen: false,
    exclude_consumed: false,
    frequency_cap: { max: 2, window_s: 3600 },
  }
  const inWindow = NOW - 3_599_000
  const edge = NOW - 3_600_000
  const old = NOW - 3_600_001

  it('removes an item with `max` impressions inside the window as frequency_capped', () => {
    const u = user({
      impressions: new Map([
        ['two-recent', [inWindow, NOW - 1]],
        ['one-recent-many-old', [old, old - 1000, old - 5000, NOW - 10]],
        ['edge', [edge, NOW]],
        ['three-old', [old, old, old]],
      ]),
    })
    const cs = ['two-recent', 'one-recent-many-old', 'edge', 'three-old', 'never'].map((id) =>
      cand(id),
    )
    const r = run(frequencyCapFilter, cs, ctx({}, { user: u, rules }))
    expect(r.kept).toEqual(['one-recent-many-old', 'three-old', 'never'])
    expect(r.removed).toEqual(['two-recent:frequency_capped', 'edge:frequency_capped'])
  })

  it('keeps an item with fewer than `max` impressions in the window', () => {
    const u = user({ impressions: new Map([['a', [NOW - 1]]]) })
    expect(run(frequencyCapFilter, [cand('a')], ctx({}, { user: u, rules })).kept).toEqual(['a'])
  })

  it('keeps everything without a cap rule or without user state (fail open)', () => {
    const u = user({ impressions: new Map([['a', [NOW, NOW, NOW]]]) })
    expect(
      run(
        frequencyCapFilter,
        [cand('a')],
        ctx({}, { user: u, rules: { exclude_seen: false, exclude_consumed: false } }),
      ).kept,
    ).toEqual(['a'])
    expect(run(frequencyCapFilter, [cand('a')], ctx({}, { user: undefined, rules })).kept).toEqual([
      'a',
    ])
    expect(frequencyCapFilter.failMode).toBe('open')
  })
})

describe('seenFilter', () => {
  const u = user({ seen: new Set(['a']) })

  it('removes seen items as already_seen when exclude_seen is set', () => {
    const r = run(seenFilter, [cand('a'), cand('b')], ctx({}, { user: u }))
    expect(r.kept).toEqual(['b'])
    expect(r.removed).toEqual(['a:already_seen'])
  })

  it('keeps seen items when exclude_seen is off, and everything without user state (fail open)', () => {
    expect(
      run(
        seenFilter,
        [cand('a')],
        ctx({}, { user: u, rules: { exclude_seen: false, exclude_consumed: true } }),
      ).kept,
    ).toEqual(['a'])
    expect(run(seenFilter, [cand('a')], ctx({}, { user: undefined })).kept).toEqual(['a'])
    expect(seenFilter.failMode).toBe('open')
  })
})

describe('consumedFilter', () => {
  const consumed = new Set(['a', 'c'])

  it('removes the user history as consumed when exclude_consumed is on, on every tier', () => {
    const cs = [
      cand('a', 'non_personalized', 'emergency'),
      cand('b'),
      cand('c', 'personalized', 'ranked'),
    ]
    const r = run(consumedFilter, cs, ctx({}, { consumed }))
    expect(r.kept).toEqual(['b'])
    expect(r.removed).toEqual(['a:consumed', 'c:consumed'])
  })

  it('keeps the history when exclude_consumed is off (repeat purchases), and everything without one (fail open)', () => {
    const off = { exclude_seen: true, exclude_consumed: false }
    expect(run(consumedFilter, [cand('a')], ctx({}, { consumed, rules: off })).kept).toEqual(['a'])
    expect(run(consumedFilter, [cand('a')], ctx({}, { consumed: undefined })).kept).toEqual(['a'])
    expect(consumedFilter.failMode).toBe('open')
  })
})

describe('every filter', () => {
  const filters = [
    denylistFilter,
    availabilityFilter,
    regionFilter,
    ageFilter,
    privacyFilter,
    suppressionFilter,
    frequencyCapFilter,
    seenFilter,
    consumedFilter,
  ]

  it.each(filters.map((f) => [f.id, f] as const))(
    '%s does not mutate or reorder its input',
    (_id, f) => {
      const cs = ['d', 'a', 'c', 'b'].map((id) => cand(id))
      const snapshot = structuredClone(cs)
      const c = ctx({ a: {}, b: {}, c: {}, d: {} })
      const r = f.apply(cs, c)
      expect(cs).toEqual(snapshot)
      expect(r.kept.map((k) => k.item_id)).toEqual(['d', 'a', 'c', 'b'])
      expect(r.kept).not.toBe(cs)
    },
  )
})
