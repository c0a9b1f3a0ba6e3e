import type { Context } from 'hono'
import { ERROR_STATUS, type ErrorCode, type ErrorEnvelope } from '@recsys/shared'

/** The one exception type of the edge: it carries its wire response. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message)
  }
  get status() {
    return ERROR_STATUS[this.code]
  }
}

/** Writes the error envelope (docs/architecture.md#error-envelope). */
export function errorResponse(c: Context, code: ErrorCode, message: string) {
  const body: ErrorEnvelope = {
    error: { code, message, request_id: (c.get('requestId') as string | undefined) ?? 'unknown' },
  }
  return c.json(body, ERROR_STATUS[code])
}
