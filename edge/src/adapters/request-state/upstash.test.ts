import { describe, expect, it } from 'vitest'
import { parseKillSwitches } from './upstash'

describe('parseKillSwitches (the kill-switch hash as HGETALL returns it)', () => {
  it('keeps value and at of the entries the control plane writes', () => {
    const at = '2030-01-02T03:04:05.000Z'
    expect(
      parseKillSwitches([
        'edge.force_tier',
        JSON.stringify({ value: 'segment', at }),
        'edge.scorer',
        JSON.stringify({ at }),
      ]),
    ).toEqual({
      'edge.force_tier': { value: 'segment', at },
      'edge.scorer': { value: undefined, at },
    })
  })

  it('decodes entries of older control planes, which carried the reason, without keeping the reason', () => {
    const old = JSON.stringify({ value: 'emergency', reason: 'r'.repeat(100_000), at: 'x' })
    const map = parseKillSwitches(['edge.force_tier', old])
    expect(map).toEqual({ 'edge.force_tier': { value: 'emergency', at: 'x' } })
    expect(JSON.stringify(map).length).toBeLessThan(100)
  })

  it('counts an unparsable entry as engaged, with no value', () => {
    expect(parseKillSwitches(['edge.scorer', '{nope'])).toEqual({ 'edge.scorer': {} })
  })
})
