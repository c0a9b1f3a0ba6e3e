import { HttpError } from './http-error.js'
import type { RedisCommand } from './redis-command.js'
import type { RequestTarget } from './request-target.js'

/**
 * Parses the path style of the Upstash REST API (`/set/foo/bar?EX=100`).
 * Contract, following Upstash's documentation:
 * - each path segment is one argument, percent-decoded to raw bytes (so `%FF` survives);
 * - a non-empty POST/PUT body is appended, byte for byte, after the path arguments;
 * - then each query parameter appends `KEY VALUE` (`KEY` alone when the value
 *   is empty), so `POST /set/foo?EX=100` with body `bar` is `SET foo bar EX 100`;
 * - one trailing slash is ignored (`/get/k/` is `GET k`).
 */
export function parsePathCommand(target: RequestTarget, body: Buffer | undefined): RedisCommand {
  const segments = target.path.slice(1).split('/')
  if (segments.length > 1 && segments[segments.length - 1] === '') segments.pop()
  const [rawName, ...rawArgs] = segments
  const name = rawName === undefined ? '' : percentDecode(rawName).toString('utf8')
  if (name === '') throw new HttpError(400, 'ERR no command in the request path')
  const args: (string | Buffer)[] = rawArgs.map(percentDecode)
  if (body !== undefined && body.length > 0) args.push(body)
  for (const [key, value] of target.query) {
    args.push(key)
    if (value !== '') args.push(value)
  }
  return { name, args }
}

/** Percent-decodes to bytes rather than to a string, so non-UTF-8 bytes are kept exactly. */
export function percentDecode(segment: string): Buffer {
  if (!segment.includes('%')) return Buffer.from(segment, 'utf8')
  const bytes: number[] = []
  for (let i = 0; i < segment.length;) {
    const ch = segment[i]
    if (ch === '%') {
      const hex = segment.slice(i + 1, i + 3)
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) {
        throw new HttpError(400, `ERR malformed percent-encoding in path segment '${segment}'`)
      }
      bytes.push(parseInt(hex, 16))
      i += 3
    } else {
      const cp = segment.codePointAt(i) ?? 0
      const chunk = String.fromCodePoint(cp)
      for (const b of Buffer.from(chunk, 'utf8')) bytes.push(b)
      i += chunk.length
    }
  }
  return Buffer.from(bytes)
}
