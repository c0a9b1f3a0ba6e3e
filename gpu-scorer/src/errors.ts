import type { Context } from 'hono'
import type { AppEnv } from './app-env'
import { ERROR_STATUS, type ErrorCode, type ErrorEnvelope } from '@recsys/shared'

/** The one exception type of the scorer's HTTP layer: it carries its wire response. */
export class ScorerError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message)
    this.name = 'ScorerError'
  }
  get status() {
    return ERROR_STATUS[this.code]
  }
}

/** Writes the error envelope (ARCHITECTURE §8). */
export function errorResponse(c: Context<AppEnv>, code: ErrorCode, message: string) {
  const body: ErrorEnvelope = {
    error: { code, message, request_id: c.get('requestId') ?? 'unknown' },
  }
  return c.json(body, ERROR_STATUS[code])
}
