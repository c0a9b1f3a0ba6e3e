import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../app-env'

/** Assigns `requestId` (from `x-request-id` when it is sane, else a new UUID) and echoes it in a header. */
export const requestId = (): MiddlewareHandler<AppEnv> =>
  async function requestId(c, next) {
    const given = c.req.header('x-request-id')
    const id = given && /^[\w.:-]{1,128}$/.test(given) ? given : crypto.randomUUID()
    c.set('requestId', id)
    c.header('x-request-id', id)
    await next()
  }
