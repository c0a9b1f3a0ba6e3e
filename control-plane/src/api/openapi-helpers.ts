import type { ZodType } from 'zod'
import { errorResponses } from './errors'

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
