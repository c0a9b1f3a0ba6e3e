import { saneRequestId } from '@recsys/shared'
import type { MiddlewareHandler } from 'hono'

/** Assigns `requestId` (from `x-request-id` when it is sane, else a new UUID) and echoes it in a header. */
export const requestId = (): MiddlewareHandler =>
  async function requestId(c, next) {
    const id = saneRequestId(c.req.header('x-request-id')) ?? crypto.randomUUID()
    c.set('requestId', id)
    c.header('x-request-id', id)
    await next()
  }
