import type { Context } from 'hono'
import type { AppEnv } from './app-env'
import {
  ERROR_STATUS,
  SCORER_SCOPE_HEADER,
  type ErrorCode,
  type ErrorEnvelope,
} from '@recsys/shared'

/** The one exception type of the scorer's HTTP layer: it carries its wire response. */
export class ScorerError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** `tenant`: the failure is this tenant's or request's alone, not the scorer's (`SCORER_SCOPE_HEADER`). */
    readonly scope?: 'tenant',
  ) {
    super(message)
    this.name = 'ScorerError'
  }
  get status() {
    return ERROR_STATUS[this.code]
  }
}

/** Writes the error envelope (docs/architecture.md#error-envelope). */
export function errorResponse(
  c: Context<AppEnv>,
  code: ErrorCode,
  message: string,
  scope?: 'tenant',
) {
  const body: ErrorEnvelope = {
    error: { code, message, request_id: c.get('requestId') ?? 'unknown' },
  }
  if (scope) c.header(SCORER_SCOPE_HEADER, scope)
  return c.json(body, ERROR_STATUS[code])
}
