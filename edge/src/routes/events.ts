import { Hono } from 'hono'
import { EventsRequest } from '@recsys/shared'
import type { AppEnv } from '../app-env'
import { ingestEvents } from '../events/ingest'
import { requirePermission } from '../middleware/permission'
import { parseJson } from './parse'

/**
 * `POST /v1/events`: up to 500 events; `202` with what was accepted, duplicated and rejected
 * (docs/api.md#post-v1events).
 */
export const events = new Hono<AppEnv>().post('/', requirePermission('events'), async (c) => {
  const body = await parseJson(c, EventsRequest)
  const result = await ingestEvents(
    {
      state: c.var.services.userState,
      queue: c.env.LOG_QUEUE,
      secret: c.var.services.config.TRACKING_SECRET,
      tokenTtlS: c.var.services.config.TRACKING_TOKEN_TTL_S,
    },
    {
      tenant: c.var.apiKey.tenant,
      keyId: c.var.apiKey.key_id,
      // Not the request id: a client may send the same x-request-id again when it retries a failed call, and a
      // pending claim that reads as this call's own would make the retry a duplicate (the event lost).
      callId: crypto.randomUUID(),
      events: body.events,
      now: Date.now(),
    },
  )
  return c.json(result, 202)
})
