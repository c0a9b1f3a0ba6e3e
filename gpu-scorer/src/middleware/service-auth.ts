import { createHash, timingSafeEqual } from 'node:crypto'
import type { Context, MiddlewareHandler } from 'hono'
import { ScorerError } from '../errors'

const digest = (s: string) => createHash('sha256').update(s).digest()

/**
 * Whether a request carries the service token (`authorization: Bearer <token>`), compared in constant time (over
 * SHA-256 digests, so the length of the expected token does not leak either).
 */
export const serviceTokenCheck = (token: string) => {
  const expected = digest(token)
  return (c: Context): boolean => {
    const m = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')
    return m !== null && timingSafeEqual(digest(m[1]!), expected)
  }
}

/** Service-to-service auth: 401 without the service token. */
export const serviceAuth = ({ token }: { token: string }): MiddlewareHandler => {
  const authorized = serviceTokenCheck(token)
  return async function serviceAuth(c, next) {
    if (!authorized(c)) throw new ScorerError('UNAUTHORIZED', 'missing or wrong service token')
    await next()
  }
}
