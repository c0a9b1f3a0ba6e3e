import { Hono } from 'hono'
import { ConsentRequest, Id, type DeletionRecord } from '@recsys/shared'
import type { AppEnv } from '../app-env'
import { sendNow } from '../adapters/decision-log/send-now'
import { ApiError } from '../errors'
import { requirePermission } from '../middleware/permission'
import { parseJson, parseValue } from './parse'

/**
 * `PUT /v1/users/{user_id}/consent` and `DELETE /v1/users/{user_id}` (docs/api.md). Both answer once the change holds:
 * a failure is a 503 that is safe to retry (both are idempotent).
 * @note They need the `users` permission, not `events`: an events key often ships in a client app, where anyone
 * can read it, and must not let its holder delete or withdraw consent for every user of the tenant.
 */
export const users = new Hono<AppEnv>()
  .use(
    requirePermission('users', {
      hint: 'deletion and consent need a server key with it: recsys key create --permissions users',
    }),
  )
  .put('/:user_id/consent', async (c) => {
    const userId = parseValue(Id, c.req.param('user_id'))
    const { personalization } = await parseJson(c, ConsentRequest)
    try {
      await c.var.services.userState.setConsent(c.var.apiKey.tenant, userId, personalization)
    } catch (e) {
      throw unavailable('user state', e)
    }
    return c.body(null, 204)
  })
  .delete('/:user_id', async (c) => {
    const userId = parseValue(Id, c.req.param('user_id'))
    const tenant = c.var.apiKey.tenant
    // One time for the fence and the record: real time and the batch drop the same events (ingested before it).
    const at = Date.now()
    try {
      await c.var.services.userState.purge(tenant, userId, at)
    } catch (e) {
      throw unavailable('user state', e)
    }
    const record: DeletionRecord = {
      kind: 'deletion',
      tenant,
      user_id: userId,
      at: new Date(at).toISOString(),
    }
    try {
      await sendNow(c.env.LOG_QUEUE, [record])
    } catch (e) {
      throw unavailable('the event log', e)
    }
    return c.json({ user_id: userId, purged: true }, 202)
  })

function unavailable(what: string, e: unknown): ApiError {
  console.error(JSON.stringify({ msg: `users: ${what} failed`, error: String(e) }))
  return new ApiError('UNAVAILABLE', `${what} is unavailable; retry the call`)
}
