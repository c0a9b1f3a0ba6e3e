/**
 * What the Cloudflare v4 REST adapters (Workers KV, R2) share: the error type, the `{ success, errors, result }`
 * envelope reader, and one retry policy. Bearer-token auth as in Cloudflare's API reference ("Authorization:
 * Bearer <API Token>"). Retry-After is honoured as RFC 9110 defines it (delay-seconds or an HTTP date).
 */

/** One error from the v4 envelope's `errors` array. */
export interface CloudflareApiMessage {
  code: number
  message: string
}

/** A failed call: HTTP status (undefined for network errors), Cloudflare's errors, and whether it was retryable. */
export class CloudflareApiError extends Error {
  override readonly name = 'CloudflareApiError'
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly errors: CloudflareApiMessage[],
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

export const DEFAULT_BASE_URL = 'https://api.cloudflare.com/client/v4'
const MAX_BACKOFF_MS = 30_000
/** Retry-After is honoured up to this; a longer ask is waited for this long, then retried. */
const MAX_RETRY_AFTER_MS = 120_000

export interface CloudflareCallOptions {
  apiToken: string
  fetch?: typeof fetch
  /** Retries after the first attempt of one request (429, 5xx, network error, timeout). Default 5. */
  maxRetries?: number
  /** Per-attempt timeout; a timed-out attempt is retried like a network error. Default 60 s. */
  requestTimeoutMs?: number
  /** First backoff step; attempt n waits a jittered delay in [base·2ⁿ/2, base·2ⁿ], capped at 30 s. Default 500. */
  retryBaseMs?: number
  /** Internal/tests: how to wait between attempts. */
  sleep?: (ms: number) => Promise<void>
}

/** Authenticated attempts and the retry loop around them. */
export class CloudflareCaller {
  private readonly fetchFn: typeof fetch
  private readonly maxRetries: number
  private readonly timeoutMs: number
  private readonly retryBaseMs: number
  private readonly sleep: (ms: number) => Promise<void>

  constructor(private readonly opts: CloudflareCallOptions) {
    this.fetchFn = opts.fetch ?? globalThis.fetch
    this.maxRetries = Math.max(0, opts.maxRetries ?? 5)
    this.timeoutMs = opts.requestTimeoutMs ?? 60_000
    this.retryBaseMs = opts.retryBaseMs ?? 500
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)))
  }

  /** One HTTP attempt with the bearer token and a timeout; network errors become retryable errors. */
  async attempt(what: string, url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.fetchFn(url, {
        ...init,
        headers: { ...init.headers, Authorization: `Bearer ${this.opts.apiToken}` },
        signal: AbortSignal.timeout(this.timeoutMs),
      })
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause)
      throw new CloudflareApiError(
        `${what}: request failed: ${reason}`,
        undefined,
        [],
        true,
        undefined,
        { cause },
      )
    }
  }

  /**
   * Runs `fn` until it returns, or throws a non-retryable error, or `maxRetries` retries are spent. Waits
   * Retry-After when given (capped), else exponential backoff with jitter. The last error is rethrown.
   */
  async withRetries<T>(what: string, fn: (what: string) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn(what)
      } catch (e) {
        if (!(e instanceof CloudflareApiError) || !e.retryable || attempt >= this.maxRetries) {
          if (e instanceof CloudflareApiError && e.retryable) {
            e.message += ` (gave up after ${attempt + 1} attempts)`
          }
          throw e
        }
        const step = Math.min(MAX_BACKOFF_MS, this.retryBaseMs * 2 ** attempt)
        const backoff = step / 2 + (Math.random() * step) / 2
        await this.sleep(
          e.retryAfterMs !== undefined ? Math.min(e.retryAfterMs, MAX_RETRY_AFTER_MS) : backoff,
        )
      }
    }
  }
}

export interface Envelope {
  success: boolean | undefined
  errors: CloudflareApiMessage[]
  result: unknown
}

/** Reads a v4 envelope; a body that is not one (an HTML error page, empty) yields no errors and no success. */
export async function readEnvelope(res: Response): Promise<Envelope> {
  const text = await res.text().catch(() => '')
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return { success: undefined, errors: [], result: undefined }
  }
  if (typeof body !== 'object' || body === null) {
    return { success: undefined, errors: [], result: undefined }
  }
  const b = body as Record<string, unknown>
  const errors = Array.isArray(b.errors)
    ? b.errors.map((x: unknown) => {
        const o = (typeof x === 'object' && x !== null ? x : {}) as Record<string, unknown>
        return { code: Number(o.code), message: String(o.message ?? '') }
      })
    : []
  return {
    success: typeof b.success === 'boolean' ? b.success : undefined,
    errors,
    result: b.result,
  }
}

/** The error for a failed response: status and Cloudflare's `[code] message` list; 429 and 5xx retryable. */
export function httpError(what: string, res: Response, env: Envelope): CloudflareApiError {
  const detail =
    env.errors.length > 0
      ? env.errors.map((e) => `[${e.code}] ${e.message}`).join('; ')
      : 'no error details'
  const retryable = res.status === 429 || res.status >= 500
  return new CloudflareApiError(
    `${what} failed: HTTP ${res.status}: ${detail}`,
    res.status,
    env.errors,
    retryable,
    retryable ? parseRetryAfter(res.headers.get('retry-after')) : undefined,
  )
}

/** Retry-After as delay-seconds or an HTTP date, in ms; undefined when absent or unreadable. */
function parseRetryAfter(h: string | null): number | undefined {
  if (h === null) return undefined
  const s = h.trim()
  if (/^\d+$/.test(s)) return Number(s) * 1000
  const at = Date.parse(s)
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now())
}

export function hasCode(errors: CloudflareApiMessage[], code: number): boolean {
  return errors.some((e) => e.code === code)
}
