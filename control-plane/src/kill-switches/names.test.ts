import { describe, expect, it } from 'vitest'
import { parseSwitchName, validateSwitch } from './names'

describe('kill switch names', () => {
  it.each([
    ['edge.scorer', undefined, undefined],
    ['edge.edge_model', undefined, undefined],
    ['edge.personalization', undefined, undefined],
    ['edge.force_tier', 'segment', undefined],
    ['source.trending', undefined, undefined],
    ['surface.home_feed', undefined, undefined],
    ['surface.a.b~c@d+e=f-g', undefined, undefined],
    ['tenant:acme:edge.scorer', undefined, 'acme'],
    ['tenant:acme.eu:edge.force_tier', 'emergency', 'acme.eu'],
    ['tenant:acme:surface.related_items', undefined, 'acme'],
  ])('accepts %s (value %s)', (name, value, tenant) => {
    const r = validateSwitch(name, value)
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.value.name).toBe(name)
    expect(r.value.tenant).toBe(tenant)
    expect(r.value.value).toBe(value)
  })

  it.each([
    ['edge.everything', undefined, 'unknown kill switch'],
    ['Edge.scorer', undefined, 'unknown kill switch'],
    ['', undefined, 'unknown kill switch'],
    ['source.', undefined, 'bad source id'],
    ['surface.home feed', undefined, 'bad surface id'],
    ['surface.a:b', undefined, 'bad surface id'],
    ['tenant:acme', undefined, 'tenant:<tenant-id>:<switch>'],
    ['tenant::edge.scorer', undefined, 'bad tenant id'],
    ['tenant:ac/me:edge.scorer', undefined, 'bad tenant id'],
    ['tenant:acme:tenant:b:edge.scorer', undefined, 'unknown kill switch'],
    ['edge.force_tier', undefined, 'needs a value'],
    ['edge.force_tier', '', 'needs a value'],
    ['edge.force_tier', 'fastest', 'not a tier'],
    ['tenant:acme:edge.force_tier', 'Segment', 'not a tier'],
    ['edge.scorer', 'on', 'takes no value'],
    ['source.x', 'segment', 'takes no value'],
  ])('rejects %s (value %s) with a message', (name, value, message) => {
    const r = validateSwitch(name, value)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error).toContain(message)
  })

  it('parses a force_tier name without a value (for release)', () => {
    const r = parseSwitchName('tenant:acme:edge.force_tier')
    expect(r).toEqual({
      ok: true,
      value: { name: 'tenant:acme:edge.force_tier', tenant: 'acme', base: 'edge.force_tier' },
    })
  })
})
