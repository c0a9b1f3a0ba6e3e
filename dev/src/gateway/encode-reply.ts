/** A Redis reply as it appears in a JSON response body. */
export type JsonReply = string | number | null | JsonReply[]

/**
 * Maps a raw (Buffer-mode) Redis reply to JSON: bulk and status strings become strings, integers
 * numbers, nil null, arrays arrays (nested). With `base64`, every string is base64 of its exact
 * bytes, status replies such as "OK" and "QUEUED" included: @upstash/redis decodes every string it
 * gets in that mode (it tolerates a bare "OK", but only at the top level, never inside an array).
 * Without `base64`, bytes are read as UTF-8, so bytes that are not valid UTF-8 become U+FFFD.
 * An error nested in an array (rare, from Lua scripts) becomes its message string.
 */
export function encodeReply(reply: unknown, base64: boolean): JsonReply {
  if (reply === null || reply === undefined) return null
  if (Buffer.isBuffer(reply)) return base64 ? reply.toString('base64') : reply.toString('utf8')
  if (typeof reply === 'number') return reply
  if (typeof reply === 'string') return encodeString(reply, base64)
  if (Array.isArray(reply)) return reply.map((item) => encodeReply(item, base64))
  if (reply instanceof Error) return encodeString(reply.message, base64)
  return encodeString(String(reply), base64)
}

function encodeString(text: string, base64: boolean): string {
  return base64 ? Buffer.from(text, 'utf8').toString('base64') : text
}
