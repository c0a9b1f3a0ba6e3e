import { describe, expect, it } from 'vitest'
import { effectiveSwitches, type KillSwitchMap } from './effective'

const on = (value?: string) => ({
  at: '2026-11-21T10:00:00Z',
  ...(value ? { value } : {}),
})

describe('effectiveSwitches', () => {
  it('turns nothing off when no switch is engaged', () => {
    expect(effectiveSwitches({}, 'acme')).toEqual({
      scorer: false,
      edgeModel: false,
      personalization: false,
      forceTier: undefined,
      surfaces: new Set(),
      sources: new Set(),
      engaged: [],
    })
  })

  it('applies global switches to every tenant', () => {
    const all: KillSwitchMap = {
      'edge.scorer': on(),
      'edge.edge_model': on(),
      'edge.personalization': on(),
    }
    for (const tenant of ['acme', 'globex']) {
      const s = effectiveSwitches(all, tenant)
      expect([s.scorer, s.edgeModel, s.personalization]).toEqual([true, true, true])
    }
  })

  it("applies a tenant's own switches to it and never another tenant's", () => {
    const all: KillSwitchMap = {
      'tenant:acme:edge.scorer': on(),
      'tenant:globex:edge.personalization': on(),
      'tenant:acme-eu:edge.edge_model': on(),
      'tenant:ac:surface.home_feed': on(),
    }
    const acme = effectiveSwitches(all, 'acme')
    expect([acme.scorer, acme.edgeModel, acme.personalization]).toEqual([true, false, false])
    expect(acme.surfaces).toEqual(new Set())
    expect(acme.engaged).toEqual(['tenant:acme:edge.scorer'])

    const globex = effectiveSwitches(all, 'globex')
    expect([globex.scorer, globex.edgeModel, globex.personalization]).toEqual([false, false, true])
    expect(globex.engaged).toEqual(['tenant:globex:edge.personalization'])

    expect(effectiveSwitches(all, 'initech').engaged).toEqual([])
  })

  it('collects surface.<id> and source.<id> switches, global and own', () => {
    const all: KillSwitchMap = {
      'surface.home_feed': on(),
      'tenant:acme:surface.related_items': on(),
      'tenant:globex:surface.search': on(),
      'source.trending': on(),
      'tenant:acme:source.ann': on(),
      'tenant:globex:source.editorial': on(),
    }
    const s = effectiveSwitches(all, 'acme')
    expect(s.surfaces).toEqual(new Set(['home_feed', 'related_items']))
    expect(s.sources).toEqual(new Set(['trending', 'ann']))
    expect(s.engaged).toEqual([
      'source.trending',
      'surface.home_feed',
      'tenant:acme:source.ann',
      'tenant:acme:surface.related_items',
    ])
  })

  it('forces the global tier, and a tenant force_tier beats the global one', () => {
    const global: KillSwitchMap = { 'edge.force_tier': on('global_popular') }
    expect(effectiveSwitches(global, 'acme').forceTier).toBe('global_popular')
    const both: KillSwitchMap = { ...global, 'tenant:acme:edge.force_tier': on('segment') }
    expect(effectiveSwitches(both, 'acme').forceTier).toBe('segment')
    expect(effectiveSwitches(both, 'globex').forceTier).toBe('global_popular')
    // Key order in the stored hash does not matter.
    const reversed: KillSwitchMap = { 'tenant:acme:edge.force_tier': on('segment'), ...global }
    expect(effectiveSwitches(reversed, 'acme').forceTier).toBe('segment')
  })

  it("ignores another tenant's force_tier", () => {
    expect(
      effectiveSwitches({ 'tenant:globex:edge.force_tier': on('emergency') }, 'acme').forceTier,
    ).toBeUndefined()
  })

  it('ignores a force_tier without a valid tier value', () => {
    expect(effectiveSwitches({ 'edge.force_tier': on('bogus') }, 'acme').forceTier).toBeUndefined()
    expect(effectiveSwitches({ 'edge.force_tier': on() }, 'acme').forceTier).toBeUndefined()
    expect(
      effectiveSwitches({ 'tenant:acme:edge.force_tier': on('RANKED') }, 'acme').forceTier,
    ).toBeUndefined()
  })

  it('does not let an invalid tenant force_tier cancel a valid global one', () => {
    const all: KillSwitchMap = {
      'edge.force_tier': on('global_popular'),
      'tenant:acme:edge.force_tier': on('populr'),
    }
    expect(effectiveSwitches(all, 'acme').forceTier).toBe('global_popular')
  })

  it('lists the engaged names that apply, sorted, for the decision log', () => {
    const all: KillSwitchMap = {
      'tenant:acme:edge.scorer': on(),
      'edge.personalization': on(),
      'tenant:other:edge.scorer': on(),
      'edge.force_tier': on('emergency'),
    }
    expect(effectiveSwitches(all, 'acme').engaged).toEqual([
      'edge.force_tier',
      'edge.personalization',
      'tenant:acme:edge.scorer',
    ])
  })
})
