import { RecsysError, type RecsysErrorCode } from './error.js'
import type {
  DeletionResponse,
  EventsResponse,
  RecommendationRequest,
  RecommendationResponse,
  TrackedEvent,
} from './types.js'

export interface ClientOptions {
  /** The edge's base URL, e.g. `https://recs.example.com`. */
  baseUrl: string
  /** A tenant API key (a server key for consent and deletion: they need the `users` permission). */
  apiKey: string
  /** Each attempt's time limit (default 2,000 ms). */
  timeoutMs?: number
  /** Retries after the first attempt for 429, 503, timeouts and network failures (default 2). */
  retries?: number
  /** First back-off (default 100 ms), doubled each retry, with full jitter; a `Retry-After` header wins. */
  backoffMs?: number
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch
  /** Waits between attempts (default: a timer); tests pass one that does not wait. */
  sleep?: (ms: number) => Promise<void>
  /** The jitter's random source in [0, 1) (default `Math.random`). */
  random?: () => number
}

const STATUS_CODES: Record<number, RecsysErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  429: 'RATE_LIMITED',
  503: 'UNAVAILABLE',
}

/** A `Retry-After` of seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null) return undefined
  const s = Number(header)
  if (Number.isFinite(s) && s >= 0) return s * 1000
  const at = Date.parse(header)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

/**
 * A client of the edge API. Every call is safe to retry: recommendations are reads, events carry their own
 * `event_id` (the edge counts a repeated one once), consent is a put and deletion is idempotent. So 429, 503, a
 * timeout and a dropped connection are retried, with exponential back-off and full jitter; any other error is
 * thrown at once as a {@link RecsysError}.
 */
export function createClient(options: ClientOptions) {
  const {
    apiKey,
    timeoutMs = 2000,
    retries = 2,
    backoffMs = 100,
    sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
    random = Math.random,
  } = options
  const baseUrl = options.baseUrl.replace(/\/+$/, '')
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init))
  if (!/^https?:\/\//.test(baseUrl))
    throw new TypeError(`baseUrl must be an http(s) URL, got ${JSON.stringify(options.baseUrl)}`)
  if (!apiKey) throw new TypeError('apiKey is required')

  async function attempt(method: string, path: string, body: unknown): Promise<Response> {
    const ac = new AbortController()
    const timer = setTimeout(() => ac.abort(), timeoutMs)
    try {
      return await doFetch(`${baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${apiKey}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: ac.signal,
      })
    } catch (e) {
      if (ac.signal.aborted)
        throw new RecsysError('TIMEOUT', `${method} ${path}: no answer within ${timeoutMs} ms`)
      throw new RecsysError(
        'NETWORK',
        `${method} ${path}: ${e instanceof Error ? e.message : String(e)}`,
      )
    } finally {
      clearTimeout(timer)
    }
  }

  /** The error a non-2xx answer stands for: the envelope's code and message where there is one. */
  async function failure(res: Response, method: string, path: string): Promise<RecsysError> {
    const text = await res.text().catch(() => '')
    let envelope: { error?: { code?: string; message?: string; request_id?: string } } | undefined
    try {
      envelope = JSON.parse(text)
    } catch {
      envelope = undefined
    }
    const e = envelope?.error
    const code = (e?.code as RecsysErrorCode | undefined) ?? STATUS_CODES[res.status] ?? 'INTERNAL'
    return new RecsysError(
      code,
      e?.message ?? `${method} ${path}: HTTP ${res.status}`,
      res.status,
      e?.request_id ?? res.headers.get('x-request-id') ?? undefined,
    )
  }

  async function call<T>(method: string, path: string, body?: unknown): Promise<T | undefined> {
    for (let n = 1; ; n++) {
      let error: RecsysError
      let wait: number | undefined
      try {
        const res = await attempt(method, path, body)
        if (res.ok) {
          if (res.status === 204) return undefined
          const text = await res.text()
          try {
            return JSON.parse(text) as T
          } catch {
            throw new RecsysError(
              'BAD_RESPONSE',
              `${method} ${path}: HTTP ${res.status} with a body that is not JSON`,
              res.status,
            )
          }
        }
        error = await failure(res, method, path)
        wait = retryAfterMs(res.headers.get('retry-after'))
      } catch (e) {
        if (!(e instanceof RecsysError)) throw e
        error = e
      }
      if (!error.retryable || n > retries)
        throw new RecsysError(error.code, error.message, error.status, error.requestId, n)
      await sleep(wait ?? Math.floor(random() * backoffMs * 2 ** (n - 1)))
    }
  }

  const userPath = (userId: string) => `/v1/users/${encodeURIComponent(userId)}`

  return {
    /** A slate for one subject on one surface (`POST /v1/recommendations`; needs `recommend`). */
    async recommend(request: RecommendationRequest): Promise<RecommendationResponse> {
      return (await call<RecommendationResponse>('POST', '/v1/recommendations', request))!
    },
    /**
     * Sends up to 500 events (`POST /v1/events`; needs `events`). Events the edge refuses one by one come back in
     * `rejected`; they are not an error.
     */
    async sendEvents(events: TrackedEvent[]): Promise<EventsResponse> {
      return (await call<EventsResponse>('POST', '/v1/events', { events }))!
    },
    /** Stores the user's consent to personalization (`PUT …/consent`; needs `users`). */
    async setConsent(userId: string, personalization: boolean): Promise<void> {
      await call('PUT', `${userPath(userId)}/consent`, { personalization })
    },
    /** Purges the user's real-time state and logs the deletion for the batch (`DELETE`; needs `users`). */
    async deleteUser(userId: string): Promise<DeletionResponse> {
      return (await call<DeletionResponse>('DELETE', userPath(userId)))!
    },
  }
}

export type RecsysClient = ReturnType<typeof createClient>
