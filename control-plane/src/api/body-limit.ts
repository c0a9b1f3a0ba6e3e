import type { Context, MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { ApiEnv } from './context'
import { fail } from './errors'
import { limitsOf, type ApiLimits } from './limits'

/** The 413 of a body over `maxSize` bytes, in the error envelope. */
export const tooLarge = (c: Context<ApiEnv>, maxSize: number) =>
  fail(
    c,
    'PAYLOAD_TOO_LARGE',
    `the body is larger than this route takes (${maxSize} bytes); see docs/security-control-plane.md`,
  )

/**
 * Hono's body limit with the envelope's 413, the size picked from the limits in force: a declared Content-Length
 * over it is refused before anything is read; a body without one is counted as it arrives.
 */
export const limitBody = (pick: (l: ApiLimits) => number): MiddlewareHandler<ApiEnv> =>
  async function limitBody(c, next) {
    const maxSize = pick(limitsOf(c.var.services.limits))
    return bodyLimit({ maxSize, onError: (cc) => tooLarge(cc as Context<ApiEnv>, maxSize) })(
      c,
      next,
    )
  }

/**
 * The JSON limit for every route but those that read their body under a limit of their own (`own` says which:
 * catalog imports, artifact bytes).
 */
export const limitJsonBodies = ({
  own,
}: {
  own: (method: string, path: string) => boolean
}): MiddlewareHandler<ApiEnv> => {
  const limit = limitBody((l) => l.jsonBytes)
  return async function limitJsonBodies(c, next) {
    if (own(c.req.method, c.req.path)) return next()
    return limit(c, next)
  }
}
