import pRetry, { AbortError } from 'p-retry'

/**
 * How a call that is safe to repeat (a PUT of the same bytes, a read) is retried: bounded attempts with a jittered
 * exponential back-off. Retried: connection loss (a dropped keep-alive connection, a refused connect) and answers
 * that say "try again" (429, 5xx). Not retried: any other answer (a 4xx says the request itself is wrong).
 */
export interface RetryPolicy {
  /** Attempts after the first. Default 4. */
  retries?: number
  /** The first back-off step in ms; doubled each attempt, jittered, capped at `maxDelayMs`. Default 200. */
  minDelayMs?: number
  /** Default 5,000. */
  maxDelayMs?: number
}

/** An HTTP answer that asks for a retry (429, 5xx): thrown inside the attempt so the policy retries it. */
export class RetryableStatusError extends Error {
  override readonly name = 'RetryableStatusError'
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message)
  }
}

/** Whether a status is worth another attempt of the same idempotent request. */
export const retryableStatus = (status: number): boolean => status === 429 || status >= 500

/** The attempts one call made and the error of the last one. */
export class RetriesExhaustedError extends Error {
  override readonly name = 'RetriesExhaustedError'
  constructor(
    readonly attempts: number,
    cause: unknown,
  ) {
    super(`${attempts} attempt(s): ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    })
  }
}

/**
 * Runs `attempt` until it resolves, retrying connection loss and `RetryableStatusError` under `policy`. Any other
 * error ends the call at once. Failures are `RetriesExhaustedError`s naming the attempts made.
 */
export async function retryIdempotent<T>(
  attempt: () => Promise<T>,
  policy: RetryPolicy = {},
): Promise<T> {
  let attempts = 0
  try {
    return await pRetry(
      async () => {
        attempts++
        try {
          return await attempt()
        } catch (e) {
          if (e instanceof RetryableStatusError || isConnectionLoss(e)) throw e
          throw new AbortError(e instanceof Error ? e : String(e))
        }
      },
      {
        retries: policy.retries ?? 4,
        minTimeout: policy.minDelayMs ?? 200,
        maxTimeout: policy.maxDelayMs ?? 5_000,
        factor: 2,
        randomize: true,
      },
    )
  } catch (e) {
    throw new RetriesExhaustedError(attempts, e)
  }
}

/**
 * fetch's (undici's) failure to get an answer: `TypeError('fetch failed')` whose cause is the socket's error (the
 * other side closed, reset, refused). Errors thrown by the caller's own checks are not.
 */
function isConnectionLoss(e: unknown): boolean {
  return e instanceof TypeError && e.message === 'fetch failed'
}
