import { ERROR_STATUS, type ErrorCode } from '@recsys/shared'
import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { z } from 'zod'
import type { ApiEnv } from './context'

/**
 * The error envelope (docs/architecture.md#error-envelope), with optional details (gate failures, offending values).
 */
export const ApiError = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]),
      message: z.string(),
      request_id: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .meta({ id: 'ApiError' })

/** Service codes that are not envelope codes map onto the closest one. */
const ALIASES: Record<string, ErrorCode> = {
  CONFLICT: 'BAD_REQUEST',
  GATE_FAILED: 'BAD_REQUEST',
  CHAMPION_REGRESSION: 'BAD_REQUEST',
}

/** Service codes answered with a status of their own (a conflict with the current state). */
const STATUS: Record<string, ContentfulStatusCode> = { CONFLICT: 409, CHAMPION_REGRESSION: 409 }

/** The envelope code for a service code (`GATE_FAILED` → `BAD_REQUEST`; unknown → `INTERNAL`). */
export const envelopeCode = (code: string): ErrorCode =>
  (code in ERROR_STATUS ? code : (ALIASES[code] ?? 'INTERNAL')) as ErrorCode

export function fail(c: Context<ApiEnv>, code: string, message: string, details?: unknown) {
  const envCode = envelopeCode(code)
  const status = STATUS[code] ?? (ERROR_STATUS[envCode] as ContentfulStatusCode)
  return c.json(
    {
      error: {
        code: envCode,
        message,
        request_id: c.get('request_id') ?? 'unknown',
        ...(details === undefined ? {} : { details }),
      },
    },
    status,
  )
}

/** Response entries for the error statuses every authenticated route may return. */
export const errorResponses = {
  400: {
    description: 'Bad request (validation, gates)',
    content: { 'application/json': { schema: ApiError } },
  },
  401: {
    description: 'Missing or unknown bearer token',
    content: { 'application/json': { schema: ApiError } },
  },
  403: {
    description: 'The role may not do this',
    content: { 'application/json': { schema: ApiError } },
  },
  404: { description: 'Not found', content: { 'application/json': { schema: ApiError } } },
  413: {
    description: "The body is over the route's limit (PAYLOAD_TOO_LARGE)",
    content: { 'application/json': { schema: ApiError } },
  },
} as const

/**
 * An error's text for the log without the values of a failed query: drizzle's errors read `Failed query: <sql>
 * params: <values>`, and the values can be key hashes, key prefixes or operator token hashes.
 */
export function loggableError(e: unknown): { error: string; stack?: string } {
  const strip = (s: string) => s.replace(/^params: .*$/gm, 'params: [redacted]')
  const cause = e instanceof Error && e.cause instanceof Error ? `; cause: ${e.cause.message}` : ''
  if (!(e instanceof Error)) return { error: strip(String(e)) }
  return { error: strip(e.message) + cause, stack: e.stack && strip(e.stack) }
}
