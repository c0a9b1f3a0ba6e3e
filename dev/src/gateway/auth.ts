import { timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'

/**
 * True when the request carries the configured token as `Authorization: Bearer <token>`. The comparison takes
 * constant time.
 * @note Upstash also takes a `_token` query parameter; this gateway does not, so a link or a form on a web page
 * cannot carry the token (the handler refuses such a request).
 */
export function isAuthorized(headers: IncomingHttpHeaders, token: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '')
  const presented = match?.[1]?.trim()
  return presented !== undefined && sameSecret(presented, token)
}

function sameSecret(presented: string, expected: string): boolean {
  const a = Buffer.from(presented, 'utf8')
  const b = Buffer.from(expected, 'utf8')
  return a.length === b.length && timingSafeEqual(a, b)
}
