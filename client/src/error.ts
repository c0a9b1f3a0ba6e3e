/** The edge's error codes (docs/architecture.md#error-envelope), plus the client's own for what never got an answer. */
export type RecsysErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'PAYLOAD_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'UNAVAILABLE'
  | 'INTERNAL'
  /** No answer within `timeoutMs` (each attempt). */
  | 'TIMEOUT'
  /** The request could not be sent or the connection failed. */
  | 'NETWORK'
  /** An answer that is not the documented shape (a proxy's HTML error page, say). */
  | 'BAD_RESPONSE'

/** A call that failed: the edge's error envelope, or what the client saw instead of one. */
export class RecsysError extends Error {
  override readonly name = 'RecsysError'
  constructor(
    readonly code: RecsysErrorCode,
    message: string,
    /** The HTTP status; absent when no answer came. */
    readonly status?: number,
    /** The edge's request id, to quote when reporting a problem. */
    readonly requestId?: string,
    /** How many attempts were made, retries included. */
    readonly attempts = 1,
  ) {
    super(message)
  }

  /** Whether trying again later may succeed: 429, 503, timeouts and network failures. */
  get retryable(): boolean {
    return ['RATE_LIMITED', 'UNAVAILABLE', 'TIMEOUT', 'NETWORK'].includes(this.code)
  }
}
