import { HttpError } from './http-error.js'
import type { RedisCommand } from './redis-command.js'

/**
 * Turns one JSON command (`["SET","k","v","EX",10]`) into a RedisCommand.
 * Strings pass through; numbers and booleans are stringified, as the @upstash/redis client sends
 * them unquoted (`redis.set(k, true)` puts a JSON `true` on the wire). Anything else is a 400.
 */
export function parseJsonCommand(value: unknown): RedisCommand {
  if (!Array.isArray(value) || value.length === 0) {
    throw new HttpError(400, 'ERR a command must be a non-empty JSON array')
  }
  const [name, ...rest] = value as unknown[]
  if (typeof name !== 'string' || name.length === 0) {
    throw new HttpError(400, 'ERR the command name must be a non-empty string')
  }
  const args = rest.map((arg, i) => {
    if (typeof arg === 'string') return arg
    if (typeof arg === 'number' && Number.isFinite(arg)) return String(arg)
    if (typeof arg === 'boolean') return String(arg)
    throw new HttpError(400, `ERR argument ${i + 1} of '${name}' must be a string or a number`)
  })
  return { name, args }
}

/** Turns a pipeline or transaction body (`[[...],[...]]`) into commands; an empty list is a 400. */
export function parseJsonCommandList(value: unknown): RedisCommand[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new HttpError(400, 'ERR a pipeline must be a non-empty JSON array of commands')
  }
  return value.map(parseJsonCommand)
}

/** Parses a request body as JSON; malformed JSON is a 400, never an exception that escapes. */
export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) throw new HttpError(400, 'ERR empty request body; expected a JSON array')
  try {
    return JSON.parse(body.toString('utf8')) as unknown
  } catch (err) {
    throw new HttpError(400, `ERR malformed JSON body: ${(err as Error).message}`)
  }
}
