import { createHash, timingSafeEqual } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import { ScorerError } from '../errors'

const digest = (s: string) => createHash('sha256').update(s).digest()

/**
 * Service-to-service auth: `authorization: Bearer <token>`, compared in constant time (over SHA-256 digests, so
 * the length of the expected token does not leak either).
 */
export const serviceAuth = ({ token }: { token: string }): MiddlewareHandler => {
  const expected = digest(token)
  return async function serviceAuth(c, next) {
    const m = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')
    if (!m || !timingSafeEqual(digest(m[1]!), expected))
      throw new ScorerError('UNAUTHORIZED', 'missing or wrong service token')
    await next()
  }
}
