import { z, type ZodType } from 'zod'
import { errorResponses } from './errors'
import { FREE_TEXT_MAX } from '../audit/free-text'

/** A JSON response entry for a route definition. */
export const json = <T extends ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
})

/** A JSON request body entry. */
export const body = <T extends ZodType>(schema: T, description?: string) => ({
  required: true,
  description,
  content: { 'application/json': { schema } },
})

export { errorResponses }

/** Where the bearer token goes, for the docs page. */
export const security = [{ Bearer: [] as string[] }]

/** True when the client asked for NDJSON progress lines instead of one JSON document. */
export const wantsProgress = (accept: string | undefined) =>
  (accept ?? '').includes('application/x-ndjson')

/**
 * Free text an operator writes (names, titles): at most {@link FREE_TEXT_MAX} characters, so one request cannot
 * grow the audit log, the database or a listing by megabytes.
 */
export const FreeText = z.string().max(FREE_TEXT_MAX)

/** Why a change is made: kept in the audit log (never in what edges read per request). */
export const Reason = FreeText.min(1).describe(
  `Why: kept in the audit log (1–${FREE_TEXT_MAX} characters)`,
)
