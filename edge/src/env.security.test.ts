import { describe, expect, it } from 'vitest'
import { parseConfig, PUBLISHED_TRACKING_SECRETS, type Env } from './env'

const base = {
  UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:8079',
  UPSTASH_REDIS_REST_TOKEN: 'token',
} as unknown as Env

describe('edge config (security: tokens forgeable with a published secret)', () => {
  it('refuses each tracking secret published in the repository outside local dev', () => {
    const published = [
      'dev-tracking-secret-change-me', // .dev.vars.example, and the local stack's old fixed secret
      'test-tracking-secret', // vitest.config.ts
    ]
    for (const secret of published) expect(PUBLISHED_TRACKING_SECRETS.has(secret)).toBe(true)
    for (const secret of PUBLISHED_TRACKING_SECRETS)
      for (const LOCAL_DEV of [undefined, '', '0', 'false'])
        expect(() => parseConfig({ ...base, TRACKING_SECRET: secret, LOCAL_DEV })).toThrow(
          /TRACKING_SECRET is an example published in the repository/,
        )
  })

  it('takes them on a local dev server (LOCAL_DEV), and any other secret anywhere', () => {
    for (const secret of PUBLISHED_TRACKING_SECRETS)
      for (const LOCAL_DEV of ['1', 'true'])
        expect(parseConfig({ ...base, TRACKING_SECRET: secret, LOCAL_DEV }).TRACKING_SECRET).toBe(
          secret,
        )
    const random = 'kq3Vb1f0xYJm2nC8s9DzR4tW6uL7pA5e'
    expect(parseConfig({ ...base, TRACKING_SECRET: random }).TRACKING_SECRET).toBe(random)
  })

  it('gives tracking tokens a lifetime of hours by default, configurable', () => {
    const secret = { ...base, TRACKING_SECRET: 'kq3Vb1f0xYJm2nC8s9DzR4tW6uL7pA5e' }
    expect(parseConfig(secret).TRACKING_TOKEN_TTL_S).toBe(21_600)
    expect(parseConfig({ ...secret, TRACKING_TOKEN_TTL_S: '900' }).TRACKING_TOKEN_TTL_S).toBe(900)
    expect(() => parseConfig({ ...secret, TRACKING_TOKEN_TTL_S: '0' })).toThrow(
      /TRACKING_TOKEN_TTL_S/,
    )
  })
})
