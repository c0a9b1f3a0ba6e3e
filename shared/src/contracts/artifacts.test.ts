import { describe, expect, it } from 'vitest'
import { CatalogFlags, RuleBundle, TenantConfig } from './artifacts'

describe('CatalogFlags', () => {
  it('defaults to what is safe to assume: not sponsored, not cleared for exploration, all ages', () => {
    expect(CatalogFlags.parse({})).toEqual({
      available: true,
      categories: [],
      min_age: 0,
      sponsored: false,
      safe: false,
    })
  })

  it('rejects a negative or fractional minimum age', () => {
    expect(CatalogFlags.safeParse({ min_age: -1 }).success).toBe(false)
    expect(CatalogFlags.safeParse({ min_age: 17.5 }).success).toBe(false)
  })
})

describe('TenantConfig', () => {
  it('treats unknown consent as non-personalized unless the tenant says otherwise (docs/architecture.md#privacy-modes)', () => {
    const surfaces = [{ id: 'home_feed', kind: 'personalized' }]
    expect(TenantConfig.parse({ tenant: 'acme', surfaces }).consent_default).toBe(
      'non_personalized',
    )
    expect(TenantConfig.safeParse({ tenant: 'acme', surfaces: [] }).success).toBe(false)
  })
})

describe('RuleBundle', () => {
  it('excludes seen and consumed items and applies no rerank rule by default', () => {
    expect(RuleBundle.parse({ version: 'v1' })).toEqual({
      version: 'v1',
      eligibility: { exclude_seen: true, exclude_consumed: true },
      rerank: {},
    })
    // A bundle written before `exclude_consumed` existed gets it on; a repeat-purchase tenant turns it off.
    expect(
      RuleBundle.parse({ version: 'v0', eligibility: { exclude_seen: false } }).eligibility,
    ).toEqual({ exclude_seen: false, exclude_consumed: true })
    expect(
      RuleBundle.parse({ version: 'v2', eligibility: { exclude_consumed: false } }).eligibility
        .exclude_consumed,
    ).toBe(false)
  })

  it('rejects rules that cannot be applied', () => {
    const bad = [
      { frequency_cap: { max: 0, window_s: 60 } },
      { frequency_cap: { max: 1, window_s: 0 } },
    ]
    for (const eligibility of bad)
      expect(RuleBundle.safeParse({ version: 'v', eligibility }).success).toBe(false)
    const badRerank = [
      { category_cap: { max: 0, top_n: 5 } },
      { freshness: { boost: -1, half_life_days: 1 } },
      { freshness: { boost: 1, half_life_days: 0 } },
      { sponsored: { positions: [0], max: 1 } },
      { sponsored: { positions: [1], max: -1 } },
      { exploration: { positions: [1.5] } },
    ]
    for (const rerank of badRerank)
      expect(RuleBundle.safeParse({ version: 'v', rerank }).success).toBe(false)
  })
})
