import { describe, expect, it } from 'vitest'
import { parseConfig, type Env } from './env'

const base = {
  UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:8079',
  UPSTASH_REDIS_REST_TOKEN: 'token',
  TRACKING_SECRET: 'a-tracking-secret-of-32-characters',
} as unknown as Env

describe('edge config', () => {
  it('fills the documented defaults', () => {
    const c = parseConfig(base)
    expect(c).toMatchObject({
      USER_STATE_TIMEOUT_MS: 40,
      KILL_SWITCH_TTL_MS: 1000,
      DECISION_LOG_FLUSH_MS: 200,
    })
    expect(c.SCORER_URL).toBeUndefined()
  })

  it('reads vars as numbers, and an empty SCORER_URL as no scorer', () => {
    const c = parseConfig({ ...base, DECISION_LOG_FLUSH_MS: '50', SCORER_URL: '' })
    expect(c.DECISION_LOG_FLUSH_MS).toBe(50)
    expect(c.SCORER_URL).toBeUndefined()
  })

  it('fails fast on a bad environment, naming each bad variable', () => {
    expect(() =>
      parseConfig({ ...base, DECISION_LOG_FLUSH_MS: '60000', KILL_SWITCH_TTL_MS: '5000' }),
    ).toThrow(/DECISION_LOG_FLUSH_MS.*KILL_SWITCH_TTL_MS|KILL_SWITCH_TTL_MS.*DECISION_LOG_FLUSH_MS/)
    expect(() => parseConfig({ ...base, TRACKING_SECRET: 'short' })).toThrow(
      /TRACKING_SECRET must be at least 16 characters/,
    )
  })

  it('refuses an EDGE_ADMIN_TOKEN short enough to guess, and reads an empty one as unset', () => {
    for (const token of ['x', 'admin', '123456789012345'])
      expect(() => parseConfig({ ...base, EDGE_ADMIN_TOKEN: token })).toThrow(
        /EDGE_ADMIN_TOKEN must be at least 16 characters/,
      )
    expect(parseConfig({ ...base, EDGE_ADMIN_TOKEN: '' }).EDGE_ADMIN_TOKEN).toBeUndefined()
    expect(parseConfig(base).EDGE_ADMIN_TOKEN).toBeUndefined()
    const token = 'admin-token-0123456789abcdef'
    expect(parseConfig({ ...base, EDGE_ADMIN_TOKEN: token }).EDGE_ADMIN_TOKEN).toBe(token)
  })
})
