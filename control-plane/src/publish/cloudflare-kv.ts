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
import {
  CloudflareApiError,
  CloudflareCaller,
  DEFAULT_BASE_URL,
  hasCode,
  httpError,
  readEnvelope,
  type CloudflareCallOptions,
} from './cloudflare-api'
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

/** Retries, timeouts and auth (see {@link CloudflareCallOptions}), plus where and how to write. */
export interface CloudflareKvOptions extends CloudflareCallOptions {
  accountId: string
  namespaceId: string
  /** Default https://api.cloudflare.com/client/v4 (no trailing slash needed). */
  baseUrl?: string
  /** Bulk requests in flight at once. Default 4. */
  concurrency?: number
  /** Internal/tests: lower the documented limits (never raise them in production). */
  limits?: Partial<KvLimits>
}

/** A pair ready to send: its encoded `{"key":…,"value":…}` and that encoding's UTF-8 length. */
interface EncodedPair {
  key: string
  json: string
  bytes: number
}

/** v4 error code for "key not found" on reads. */
const KEY_NOT_FOUND = 10009

/** Writes and reads JSON documents in one Workers KV namespace over the REST API. */
export class CloudflareKvWriter implements EdgeStoreWriter {
  private readonly nsUrl: string
  private readonly api: CloudflareCaller
  private readonly concurrency: number
  private readonly limits: KvLimits

  constructor(opts: CloudflareKvOptions) {
    const base = (opts.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '')
    this.nsUrl =
      `${base}/accounts/${encodeURIComponent(opts.accountId)}` +
      `/storage/kv/namespaces/${encodeURIComponent(opts.namespaceId)}`
    this.api = new CloudflareCaller(opts)
    this.concurrency = Math.max(1, opts.concurrency ?? 4)
    this.limits = { ...KV_LIMITS, ...opts.limits }
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
    return this.api.withRetries(`KV read of key ${JSON.stringify(key)}`, async (what) => {
      const res = await this.api.attempt(what, url, { method: 'GET' })
      if (res.status === 200) {
        const text = await res.text()
        try {
          return JSON.parse(text) as unknown
        } catch (cause) {
          throw new CloudflareApiError(`${what}: value is not JSON`, 200, [], false, undefined, {
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
    await this.api.withRetries(`KV bulk write of ${chunk.length} keys`, async (what) => {
      const res = await this.api.attempt(what, url, {
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
        throw new CloudflareApiError(
          `${what}: ${failed.length} keys not written (${preview(failed)})`,
          res.status,
          env.errors,
          true,
        )
      }
    })
  }
}

/** `result.unsuccessful_keys` of a bulk write, or none. */
function unsuccessfulKeys(result: unknown): string[] {
  if (typeof result !== 'object' || result === null) return []
  const keys = (result as Record<string, unknown>).unsuccessful_keys
  return Array.isArray(keys) ? keys.filter((k): k is string => typeof k === 'string') : []
}

/** The first few keys, quoted, for an error message. */
function preview(keys: string[]): string {
  const head = keys.slice(0, 5).map((k) => JSON.stringify(k))
  return keys.length > 5 ? `${head.join(', ')}, …` : head.join(', ')
}
