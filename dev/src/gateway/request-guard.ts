import type { IncomingHttpHeaders } from 'node:http'
import { HttpError } from './http-error.js'

/** Host names a client on this machine reaches the gateway by. */
export const LOOPBACK_HOSTS: readonly string[] = ['127.0.0.1', 'localhost', '::1']

/** The host name of a Host header, lower-cased, without port or IPv6 brackets (`[::1]:8079` → `::1`). */
export function hostName(host: string): string {
  const h = host.trim().toLowerCase()
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') < 0 ? undefined : h.indexOf(']'))
  const colon = h.indexOf(':')
  // More than one colon without brackets is a bare IPv6 address, which has no port.
  return colon >= 0 && h.indexOf(':', colon + 1) < 0 ? h.slice(0, colon) : h
}

/**
 * Refuses what a web page could send: any request with an `Origin` header (browsers add it to cross-origin and
 * every POST request), and a `Host` that is not one this gateway is reached by (a DNS-rebinding page sends its own
 * name). With the bearer header required besides, a visited page can neither run a command nor read a reply.
 * A request without a Host header (HTTP/1.0) is not a browser's and passes.
 */
export function refuseBrowserRequests(
  headers: IncomingHttpHeaders,
  allowedHosts: ReadonlySet<string>,
): void {
  if (headers.origin !== undefined)
    throw new HttpError(403, 'ERR requests with an Origin header (from a web page) are refused')
  const host = headers.host
  if (host !== undefined && !allowedHosts.has(hostName(host)))
    throw new HttpError(403, `ERR Host '${hostName(host)}' is not one this gateway is reached by`)
}

/** Body types a client must declare; neither can be sent cross-origin without a CORS preflight. */
const BODY_TYPES = new Set(['application/json', 'application/octet-stream'])

/**
 * POST and PUT must declare `Content-Type: application/json` (what @upstash/redis sends) or
 * `application/octet-stream` (a raw path-style value): the types a page can send without a preflight
 * (`text/plain`, forms) or with none are refused with 415.
 */
export function requireBodyType(method: string, headers: IncomingHttpHeaders): void {
  if (method !== 'POST' && method !== 'PUT') return
  const type = (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
  if (!BODY_TYPES.has(type))
    throw new HttpError(
      415,
      `ERR a ${method} needs Content-Type application/json or application/octet-stream, got '${type || 'none'}'`,
    )
}
