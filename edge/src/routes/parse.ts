import type { Context } from 'hono'
import type { z } from 'zod'
import { ApiError } from '../errors'

/** Parses a JSON body against a contract; anything malformed is a 400 with the first problem named. */
export async function parseJson<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  let raw: unknown
  try {
    raw = JSON.parse(await c.req.text())
  } catch {
    throw new ApiError('BAD_REQUEST', 'body is not valid JSON')
  }
  return parseValue(schema, raw)
}

/** Validates a value against a contract; failures become a 400 naming the path and the problem. */
export function parseValue<T extends z.ZodType>(schema: T, raw: unknown): z.infer<T> {
  const r = schema.safeParse(raw)
  if (!r.success) {
    const issue = r.error.issues[0]
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''
    throw new ApiError('BAD_REQUEST', `${where}${issue?.message ?? 'invalid request'}`)
  }
  return r.data
}
