/**
 * EdgeStoreWriter for Cloudflare Workers KV through the v4 REST API.
 *
 * Request shapes follow Cloudflare's API reference for KV namespaces, as found through the docs search:
 * "Write multiple key-value pairs" (`PUT /accounts/{account_id}/storage/kv/namespaces/{namespace_id}/bulk`,
 * body: array of up to 10,000 `{ key, value }`, whole request at most 100 MB; result `{ successful_key_count,
 * unsuccessful_keys }`, where unsuccessful keys "should be retried"), seen via the generated cloudflare-typescript
 * client (`src/resources/kv/namespaces/bulk.ts`) and cloudflare-rs `endpoints/workerskv/write_bulk.rs`, and
 * "Read key-value pair" (`GET .../values/{key_name}`, raw value on 200). Key and value limits (512 bytes, 25 MiB)
 * are from https://developers.cloudflare.com/kv/platform/limits/. Not exercised against the real API from here.
 */
import { Buffer } from 'node:buffer'
import type { EdgeStoreWriter } from './edge-store'

/** Documented Workers KV limits; the writer splits and validates against these. */
export const KV_LIMITS: Readonly<KvLimits> = {
  maxPairsPerRequest: 10_000,
  // "100 megabytes": read as decimal, the stricter reading.
  maxBodyBytes: 100_000_000,
  maxKeyBytes: 512,
  maxValueBytes: 25 * 1024 * 1024,
}

export interface KvLimits {
  /** Pairs in one bulk request. */
  maxPairsPerRequest: number
  /** UTF-8 bytes of one bulk request body (the JSON array as sent). */
  maxBodyBytes: number
  /** UTF-8 bytes of one key. */
  maxKeyBytes: number
  /** UTF-8 bytes of one value (the JSON-serialised document). */
  maxValueBytes: number
}

export interface CloudflareKvOptions {
  accountId: string
  namespaceId: string
  apiToken: string
  /** Default https://api.cloudflare.com/client/v4 (no trailing slash needed). */
  baseUrl?: string
  fetch?: typeof fetch
  /** Retries after the first attempt of one request (429, 5xx, network error, timeout). Default 5. */
  maxRetries?: number
  /** Bulk requests in flight at once. Default 4. */
  concurrency?: number
  /** Per-attempt timeout; a timed-out attempt is retried like a network error. Default 60 s. */
  requestTimeoutMs?: number
  /** First backoff step; attempt n waits a jittered delay in [base·2ⁿ/2, base·2ⁿ], capped at 30 s. Default 500. */
  retryBaseMs?: number
  /** Internal/tests: lower the documented limits (never raise them in production). */
  limits?: Partial<KvLimits>
  /** Internal/tests: how to wait between attempts. */
  sleep?: (ms: number) => Promise<void>
}

/** One error from the v4 envelope's `errors` array. */
export interface CloudflareApiMessage {
  code: number
  message: string
}

/** A failed KV call: HTTP status (undefined for network errors), Cloudflare's errors, and whether it was retryable. */
export class CloudflareKvError extends Error {
  override readonly name = 'CloudflareKvError'
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

/** A pair ready to send: its encoded `{"key":…,"value":…}` and that encoding's UTF-8 length. */
interface EncodedPair {
  key: string
  json: string
  bytes: number
}

const DEFAULT_BASE_URL = 'https://api.cloudflare.com/client/v4'
const MAX_BACKOFF_MS = 30_000
/** Retry-After is honoured up to this; a longer ask is waited for this long, then retried. */
const MAX_RETRY_AFTER_MS = 120_000
/** v4 error code for "key not found" on reads. */
const KEY_NOT_FOUND = 10009

/** Writes and reads JSON documents in one Workers KV namespace over the REST API. */
export class CloudflareKvWriter implements EdgeStoreWriter {
  private readonly nsUrl: string
  private readonly fetchFn: typeof fetch
  private readonly maxRetries: number
  private readonly concurrency: number
  private readonly timeoutMs: number
  private readonly retryBaseMs: number
  private readonly limits: KvLimits
  private readonly sleep: (ms: number) => Promise<void>

  constructor(private readonly opts: CloudflareKvOptions) {
    const base = (opts.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '')
    this.nsUrl =
      `${base}/accounts/${encodeURIComponent(opts.accountId)}` +
      `/storage/kv/namespaces/${encodeURIComponent(opts.namespaceId)}`
    this.fetchFn = opts.fetch ?? globalThis.fetch
    this.maxRetries = Math.max(0, opts.maxRetries ?? 5)
    this.concurrency = Math.max(1, opts.concurrency ?? 4)
    this.timeoutMs = opts.requestTimeoutMs ?? 60_000
    this.retryBaseMs = opts.retryBaseMs ?? 500
    this.limits = { ...KV_LIMITS, ...opts.limits }
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)))
  }

  /**
   * Validates every entry first (throws naming the key, nothing sent), then sends bulk requests of at most
   * `maxPairsPerRequest` pairs and `maxBodyBytes` bytes, `concurrency` at a time, reporting progress after each.
   * On the first request that fails for good, starts no more, waits for those in flight, and throws; what was
   * written stays written (a rerun rewrites it harmlessly). Duplicate keys are refused: chunks run concurrently,
   * so which value would win is undefined.
   */
  async putJson(
    entries: ReadonlyArray<{ key: string; value: unknown }>,
    onProgress?: (done: number, total: number) => void,
  ): Promise<void> {
    const pairs = this.encodeAll(entries)
    const chunks = this.chunk(pairs)
    const total = pairs.length
    let next = 0
    let done = 0
    let failure: { error: unknown } | undefined
    const worker = async (): Promise<void> => {
      while (failure === undefined && next < chunks.length) {
        const chunk = chunks[next++]!
        try {
          await this.writeChunk(chunk)
          done += chunk.length
          onProgress?.(done, total)
        } catch (error) {
          failure ??= { error }
          return
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(this.concurrency, chunks.length) }, worker))
    if (failure !== undefined) throw failure.error
  }

  /** Reads one key: the parsed JSON on 200, null when the key is absent (404), throws otherwise. */
  async getJson(key: string): Promise<unknown> {
    this.checkKey(key)
    const url = `${this.nsUrl}/values/${encodeURIComponent(key)}`
    return this.withRetries(`KV read of key ${JSON.stringify(key)}`, async (what) => {
      const res = await this.attempt(what, url, { method: 'GET' })
      if (res.status === 200) {
        const text = await res.text()
        try {
          return JSON.parse(text) as unknown
        } catch (cause) {
          throw new CloudflareKvError(`${what}: value is not JSON`, 200, [], false, undefined, {
            cause,
          })
        }
      }
      const env = await readEnvelope(res)
      // A 404 is "absent" unless Cloudflare says it is something else (e.g. an unknown namespace): a
      // misconfigured namespace must fail loudly, not read as an empty store.
      if (res.status === 404 && (env.errors.length === 0 || hasCode(env.errors, KEY_NOT_FOUND))) {
        return null
      }
      throw httpError(what, res, env)
    })
  }

  /** Serialises and validates every entry; throws naming the first bad key. */
  private encodeAll(entries: ReadonlyArray<{ key: string; value: unknown }>): EncodedPair[] {
    const seen = new Set<string>()
    const maxPairBytes = this.limits.maxBodyBytes - 2 // the array's brackets
    return entries.map(({ key, value }) => {
      this.checkKey(key)
      if (seen.has(key)) throw new Error(`KV key ${JSON.stringify(key)} appears twice in one write`)
      seen.add(key)
      const text = JSON.stringify(value) as string | undefined
      if (text === undefined) {
        throw new Error(`KV value for key ${JSON.stringify(key)} is not JSON-serialisable`)
      }
      const valueBytes = Buffer.byteLength(text, 'utf8')
      if (valueBytes > this.limits.maxValueBytes) {
        throw new Error(
          `KV value for key ${JSON.stringify(key)} is ${valueBytes} bytes; the limit is ${this.limits.maxValueBytes}`,
        )
      }
      const json = JSON.stringify({ key, value: text })
      const bytes = Buffer.byteLength(json, 'utf8')
      if (bytes > maxPairBytes) {
        throw new Error(
          `KV pair for key ${JSON.stringify(key)} encodes to ${bytes} bytes; no request body can hold it`,
        )
      }
      return { key, json, bytes }
    })
  }

  /** Throws unless the key is a non-empty string within the key size limit. */
  private checkKey(key: string): void {
    if (typeof key !== 'string' || key.length === 0) {
      throw new Error(`KV key must be a non-empty string, got ${JSON.stringify(key)}`)
    }
    const bytes = Buffer.byteLength(key, 'utf8')
    if (bytes > this.limits.maxKeyBytes) {
      throw new Error(
        `KV key ${JSON.stringify(key)} is ${bytes} bytes; the limit is ${this.limits.maxKeyBytes}`,
      )
    }
  }

  /** Greedy split, in order: each chunk's body (`[` pairs joined by `,` `]`) fits both request limits. */
  private chunk(pairs: EncodedPair[]): EncodedPair[][] {
    const chunks: EncodedPair[][] = []
    let cur: EncodedPair[] = []
    let bytes = 2
    for (const p of pairs) {
      const add = p.bytes + (cur.length > 0 ? 1 : 0)
      if (
        cur.length > 0 &&
        (cur.length >= this.limits.maxPairsPerRequest || bytes + add > this.limits.maxBodyBytes)
      ) {
        chunks.push(cur)
        cur = []
        bytes = 2
      }
      bytes += p.bytes + (cur.length > 0 ? 1 : 0)
      cur.push(p)
    }
    if (cur.length > 0) chunks.push(cur)
    return chunks
  }

  /** One chunk, with retries; keys the API reports as `unsuccessful_keys` are resent alone. */
  private async writeChunk(chunk: EncodedPair[]): Promise<void> {
    let pending = chunk
    const url = `${this.nsUrl}/bulk`
    await this.withRetries(`KV bulk write of ${chunk.length} keys`, async (what) => {
      const res = await this.attempt(what, url, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body: `[${pending.map((p) => p.json).join(',')}]`,
      })
      const env = await readEnvelope(res)
      if (!res.ok || env.success !== true) throw httpError(what, res, env)
      const failed = unsuccessfulKeys(env.result)
      if (failed.length > 0) {
        const names = new Set(failed)
        const retry = pending.filter((p) => names.has(p.key))
        // Names we did not send would leave nothing to resend: resend the whole chunk instead.
        if (retry.length > 0) pending = retry
        throw new CloudflareKvError(
          `${what}: ${failed.length} keys not written (${preview(failed)})`,
          res.status,
          env.errors,
          true,
        )
      }
    })
  }

  /** One HTTP attempt with the bearer token and a timeout; network errors become retryable errors. */
  private async attempt(what: string, url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.fetchFn(url, {
        ...init,
        headers: { ...init.headers, Authorization: `Bearer ${this.opts.apiToken}` },
        signal: AbortSignal.timeout(this.timeoutMs),
      })
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause)
      throw new CloudflareKvError(
        `${what}: request failed: ${reason}`,
        undefined,
        [],
        true,
        undefined,
        {
          cause,
        },
      )
    }
  }

  /**
   * Runs `fn` until it returns, or throws a non-retryable error, or `maxRetries` retries are spent. Waits
   * Retry-After when given (capped), else exponential backoff with jitter. The last error is rethrown.
   */
  private async withRetries<T>(what: string, fn: (what: string) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn(what)
      } catch (e) {
        if (!(e instanceof CloudflareKvError) || !e.retryable || attempt >= this.maxRetries) {
          if (e instanceof CloudflareKvError && e.retryable) {
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

interface Envelope {
  success: boolean | undefined
  errors: CloudflareApiMessage[]
  result: unknown
}

/** Reads a v4 envelope; a body that is not one (an HTML error page, empty) yields no errors and no success. */
async function readEnvelope(res: Response): Promise<Envelope> {
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
function httpError(what: string, res: Response, env: Envelope): CloudflareKvError {
  const detail =
    env.errors.length > 0
      ? env.errors.map((e) => `[${e.code}] ${e.message}`).join('; ')
      : 'no error details'
  const retryable = res.status === 429 || res.status >= 500
  return new CloudflareKvError(
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

/** `result.unsuccessful_keys` of a bulk write, or none. */
function unsuccessfulKeys(result: unknown): string[] {
  if (typeof result !== 'object' || result === null) return []
  const keys = (result as Record<string, unknown>).unsuccessful_keys
  return Array.isArray(keys) ? keys.filter((k): k is string => typeof k === 'string') : []
}

function hasCode(errors: CloudflareApiMessage[], code: number): boolean {
  return errors.some((e) => e.code === code)
}

/** The first few keys, quoted, for an error message. */
function preview(keys: string[]): string {
  const head = keys.slice(0, 5).map((k) => JSON.stringify(k))
  return keys.length > 5 ? `${head.join(', ')}, …` : head.join(', ')
}
