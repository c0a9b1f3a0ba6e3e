import { timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'

/**
 * True when the request carries the configured token, as `Authorization: Bearer <token>` or, as
 * Upstash also allows, a `_token` query parameter. The comparison takes constant time.
 */
export function isAuthorized(
  headers: IncomingHttpHeaders,
  query: URLSearchParams,
  token: string,
): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '')
  const presented = match?.[1]?.trim() ?? query.get('_token')
  return presented !== undefined && presented !== null && sameSecret(presented, token)
}

function sameSecret(presented: string, expected: string): boolean {
  const a = Buffer.from(presented, 'utf8')
  const b = Buffer.from(expected, 'utf8')
  return a.length === b.length && timingSafeEqual(a, b)
}
