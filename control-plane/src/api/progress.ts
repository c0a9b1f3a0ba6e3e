import type { Result } from '@recsys/shared'
import type { Context } from 'hono'
import { stream } from 'hono/streaming'
import type { ApiEnv } from './context'
import { envelopeCode, fail, loggableError } from './errors'
import { wantsProgress } from './openapi-helpers'

/** How a long operation fails: a service code (mapped onto the envelope), a message, details for the client. */
export interface LongError {
  code: string
  message: string
  details?: unknown
}

/**
 * Runs a long operation. With `Accept: application/x-ndjson` the client gets one `{"progress": "..."}` line per
 * step as it happens, then one `{"result": …}` or `{"error": …}` line; otherwise one JSON document at the end.
 */
export function runLong(
  c: Context<ApiEnv>,
  status: 200 | 201,
  op: (progress: (msg: string) => void) => Promise<Result<unknown, LongError>>,
): Response | Promise<Response> {
  if (!wantsProgress(c.req.header('accept')))
    return op(() => undefined).then((r) =>
      r.ok
        ? c.json(r.value as object, status)
        : fail(c, r.error.code, r.error.message, r.error.details),
    )
  c.header('content-type', 'application/x-ndjson')
  return stream(c, async (s) => {
    const line = (v: unknown) => s.write(`${JSON.stringify(v)}\n`)
    let chain = Promise.resolve() as Promise<unknown>
    const progress = (msg: string) => {
      chain = chain.then(() => line({ progress: msg }))
    }
    try {
      const r = await op(progress)
      await chain
      if (r.ok) await line({ result: r.value })
      else
        await line({
          error: {
            code: envelopeCode(r.error.code),
            message: r.error.message,
            request_id: c.var.request_id,
            details: r.error.details,
          },
        })
    } catch (e) {
      await chain
      c.var.services.log?.({ msg: 'error', request_id: c.var.request_id, ...loggableError(e) })
      await line({
        error: {
          code: 'INTERNAL',
          message: 'internal error; see the control-plane log for this request_id',
          request_id: c.var.request_id,
        },
      })
    }
  })
}
