/**
 * What a caller's `x-request-id` may be to be kept: 1–128 characters of letters, digits and `_ . : -`. Anything
 * else (too long, spaces, quotes, control characters) is replaced by a fresh id, so logs, audit rows and echoed
 * headers never carry text a client chose beyond that shape.
 */
export const REQUEST_ID_PATTERN = /^[\w.:-]{1,128}$/

/** The caller's request id when it is sane, else undefined (the caller then makes a new one). */
export const saneRequestId = (given: string | undefined | null): string | undefined =>
  given && REQUEST_ID_PATTERN.test(given) ? given : undefined
