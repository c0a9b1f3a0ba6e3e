import { describe, expect, it } from 'vitest'
import { Experiment } from '../contracts/manifest'
import { assignExperiments, assignVariant, bucketOf, BUCKETS } from './assign'

const exp = (e: unknown): Experiment => Experiment.parse(e)

const UNITS = Array.from({ length: 20_000 }, (_, i) => `u.user-${i}`)

describe('bucketOf', () => {
  it('is stable and within 0..BUCKETS-1', () => {
    for (const u of UNITS.slice(0, 2000)) {
      const b = bucketOf('salt', u)
      expect(Number.isInteger(b) && b >= 0 && b < BUCKETS).toBe(true)
      expect(bucketOf('salt', u)).toBe(b)
    }
  })

  it('depends on the salt, so experiments split units independently', () => {
    const same = UNITS.slice(0, 2000).filter((u) => bucketOf('a', u) === bucketOf('b', u)).length
    expect(same).toBeLessThan(20)
  })
})

describe('assignVariant', () => {
  const threeWay = exp({
    id: 'ranker',
    salt: 'ranker-2026-11',
    variants: [
      { id: 'control', weight: 50 },
      { id: 'a', weight: 30 },
      { id: 'b', weight: 20 },
    ],
  })

  it('is deterministic for a unit', () => {
    for (const u of UNITS.slice(0, 1000))
      expect(assignVariant(threeWay, u).id).toBe(assignVariant(threeWay, u).id)
  })

  it('splits 20k units roughly in proportion to the weights', () => {
    const counts = new Map<string, number>()
    for (const u of UNITS) {
      const v = assignVariant(threeWay, u).id
      counts.set(v, (counts.get(v) ?? 0) + 1)
    }
    // Binomial standard deviation at n=20k is below 1 point; allow 2.
    expect(Math.abs(counts.get('control')! / UNITS.length - 0.5)).toBeLessThan(0.02)
    expect(Math.abs(counts.get('a')! / UNITS.length - 0.3)).toBeLessThan(0.02)
    expect(Math.abs(counts.get('b')! / UNITS.length - 0.2)).toBeLessThan(0.02)
  })

  it('normalises weights: only their ratio matters', () => {
    const scaled = exp({
      ...threeWay,
      variants: threeWay.variants.map((v) => ({ ...v, weight: v.weight / 10 })),
    })
    for (const u of UNITS.slice(0, 2000))
      expect(assignVariant(scaled, u).id).toBe(assignVariant(threeWay, u).id)
  })

  it('gives a tiny variant a tiny share, not nothing', () => {
    const e = exp({
      id: 'x',
      salt: 's',
      variants: [
        { id: 'big', weight: 99 },
        { id: 'small', weight: 1 },
      ],
    })
    const small = UNITS.filter((u) => assignVariant(e, u).id === 'small').length
    expect(small / UNITS.length).toBeGreaterThan(0.005)
    expect(small / UNITS.length).toBeLessThan(0.015)
  })

  it('assigns everyone to a single variant', () => {
    const e = exp({ id: 'x', salt: 's', variants: [{ id: 'only', weight: 3 }] })
    expect(new Set(UNITS.slice(0, 500).map((u) => assignVariant(e, u).id))).toEqual(
      new Set(['only']),
    )
  })

  it('moves units between variants only at the edge when weights change (stable buckets)', () => {
    const before = exp({
      id: 'x',
      salt: 's',
      variants: [
        { id: 'on', weight: 10 },
        { id: 'off', weight: 90 },
      ],
    })
    const after = exp({
      id: 'x',
      salt: 's',
      variants: [
        { id: 'on', weight: 20 },
        { id: 'off', weight: 80 },
      ],
    })
    for (const u of UNITS.slice(0, 3000))
      if (assignVariant(before, u).id === 'on') expect(assignVariant(after, u).id).toBe('on')
  })
})

describe('assignExperiments', () => {
  const rules = exp({
    id: 'rules',
    salt: 'r',
    variants: [{ id: 'all', weight: 1, overrides: { rules: 'diverse', slate_variant: 'v1' } }],
  })
  const slates = exp({
    id: 'slates',
    salt: 's',
    surfaces: ['home_feed'],
    variants: [{ id: 'all', weight: 1, overrides: { slate_variant: 'v2' } }],
  })
  const related = exp({
    id: 'related',
    salt: 't',
    surfaces: ['related_items'],
    variants: [{ id: 'all', weight: 1, overrides: { rules: 'related-rules' } }],
  })

  it('assigns only experiments that apply to the surface (all surfaces when none are named)', () => {
    const r = assignExperiments([rules, slates, related], 'home_feed', 'u.1')
    expect(r.assignments).toEqual([
      { id: 'rules', variant: 'all' },
      { id: 'slates', variant: 'all' },
    ])
    expect(assignExperiments([slates], 'other', 'u.1')).toEqual({ assignments: [], overrides: {} })
  })

  it('lets later experiments override earlier ones, key by key', () => {
    expect(assignExperiments([rules, slates], 'home_feed', 'u.1').overrides).toEqual({
      rules: 'diverse',
      slate_variant: 'v2',
    })
    expect(assignExperiments([slates, rules], 'home_feed', 'u.1').overrides).toEqual({
      rules: 'diverse',
      slate_variant: 'v1',
    })
  })

  it('does not mutate the variants it reads overrides from', () => {
    assignExperiments([rules, slates, related], 'home_feed', 'u.1')
    assignExperiments([rules, related], 'related_items', 'u.1')
    expect(rules.variants[0]!.overrides).toEqual({ rules: 'diverse', slate_variant: 'v1' })
    expect(slates.variants[0]!.overrides).toEqual({ slate_variant: 'v2' })
  })

  it('agrees with assignVariant for every experiment', () => {
    const ab = exp({
      id: 'ab',
      salt: 'ab',
      variants: [
        { id: 'a', weight: 1 },
        { id: 'b', weight: 1 },
      ],
    })
    for (const u of UNITS.slice(0, 200)) {
      const r = assignExperiments([ab], 'home_feed', u)
      expect(r.assignments).toEqual([{ id: 'ab', variant: assignVariant(ab, u).id }])
    }
  })
})
