import { describe, expect, it } from 'vitest'
import { PRIVACY_MODES, TIERS, type PrivacyMode } from '../contracts/common'
import { mostRestrictive, partition, privacyAllows, TIER_PRIVACY, type Candidate } from './types'

const cand = (item_id: string, needs: PrivacyMode = 'non_personalized'): Candidate => ({
  item_id,
  tier: 'segment',
  source: 's',
  reason: 'r',
  needs,
})

describe('privacyAllows', () => {
  // Rows: the request's mode; columns: what the candidate needs (the least private mode it may be served under).
  it.each<[PrivacyMode, PrivacyMode, boolean]>([
    ['personalized', 'personalized', true],
    ['personalized', 'contextual_only', true],
    ['personalized', 'non_personalized', true],
    ['contextual_only', 'personalized', false],
    ['contextual_only', 'contextual_only', true],
    ['contextual_only', 'non_personalized', true],
    ['non_personalized', 'personalized', false],
    ['non_personalized', 'contextual_only', false],
    ['non_personalized', 'non_personalized', true],
  ])('under %s, a candidate that needs %s is allowed: %s', (mode, needs, allowed) => {
    expect(privacyAllows(mode, needs)).toBe(allowed)
  })
})

describe('mostRestrictive', () => {
  it('picks the most private of the modes, whatever their order', () => {
    expect(mostRestrictive()).toBe('personalized')
    expect(mostRestrictive('personalized', 'personalized')).toBe('personalized')
    expect(mostRestrictive('personalized', 'contextual_only')).toBe('contextual_only')
    expect(mostRestrictive('contextual_only', 'personalized')).toBe('contextual_only')
    expect(mostRestrictive('contextual_only', 'non_personalized', 'personalized')).toBe(
      'non_personalized',
    )
    expect(mostRestrictive('non_personalized', 'contextual_only')).toBe('non_personalized')
  })

  it('only ever allows what every one of its inputs allows', () => {
    for (const a of PRIVACY_MODES)
      for (const b of PRIVACY_MODES)
        for (const needs of PRIVACY_MODES)
          if (privacyAllows(mostRestrictive(a, b), needs))
            expect(privacyAllows(a, needs) && privacyAllows(b, needs)).toBe(true)
  })
})

describe('TIER_PRIVACY', () => {
  it('lets only global_popular and emergency serve without personalization', () => {
    const open = TIERS.filter((t) => privacyAllows('non_personalized', TIER_PRIVACY[t]))
    expect(open).toEqual(['global_popular', 'emergency'])
  })
})

describe('partition', () => {
  it('keeps candidates in order and records each removal with stage, tier and reason', () => {
    const r = partition('denylist', [cand('a'), cand('b'), cand('c')], (c) =>
      c.item_id === 'b' ? 'denylisted' : undefined,
    )
    expect(r.kept.map((c) => c.item_id)).toEqual(['a', 'c'])
    expect(r.removed).toEqual([
      { item_id: 'b', tier: 'segment', stage: 'denylist', reason: 'denylisted' },
    ])
  })
})
