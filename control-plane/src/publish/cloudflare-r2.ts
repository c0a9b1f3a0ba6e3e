/**
 * EdgeBlobWriter for Cloudflare R2 through the v4 REST API, as wrangler's own `r2 object put` / `get` use it
 * (node_modules/wrangler/wrangler-dist/cli.js, wrangler 4.86.0: `putRemoteObject` and `getR2Object` call
 * `fetchR2Objects` with `/accounts/${accountId}/r2/buckets/${bucketName}/objects/${objectName}`, PUT with the raw
 * body and `content-type`, GET for the bytes, 404 read as absent). Cloudflare's API reference ("R2 › Buckets ›
 * Objects": Upload Object, Get Object) gives the same paths with `Authorization: Bearer`, asks that slashes in
 * the key be sent literally and other reserved characters percent-encoded, caps one upload at 300 MB, and answers
 * an upload with the v4 envelope. The key limit (1,024 bytes) is from https://developers.cloudflare.com/r2/platform/limits/,
 * error 10006 (NoSuchBucket, 404) from https://developers.cloudflare.com/r2/api/error-codes/. HEAD is not used:
 * neither wrangler nor the reference has it for this endpoint. Not exercised against the real API from here.
 */
import { Buffer } from 'node:buffer'
import {
  CloudflareCaller,
  DEFAULT_BASE_URL,
  hasCode,
  httpError,
  readEnvelope,
  type CloudflareCallOptions,
} from './cloudflare-api'
import { DEFAULT_BLOB_CONTENT_TYPE, encodeObjectKey, type EdgeBlobWriter } from './edge-blobs'

/** Documented limits of one object written through this API; the writer validates against these. */
export const R2_LIMITS: Readonly<R2Limits> = {
  // "300 MB" per upload on this endpoint: read as decimal, the stricter reading.
  maxObjectBytes: 300_000_000,
  maxKeyBytes: 1024,
}

export interface R2Limits {
  /** Bytes of one object (one PUT). */
  maxObjectBytes: number
  /** UTF-8 bytes of one key. */
  maxKeyBytes: number
}

/** Retries, timeouts and auth (see {@link CloudflareCallOptions}), plus the bucket. */
export interface CloudflareR2Options extends CloudflareCallOptions {
  accountId: string
  bucket: string
  /** Default https://api.cloudflare.com/client/v4 (no trailing slash needed). */
  baseUrl?: string
  /** Internal/tests: lower the documented limits (never raise them in production). */
  limits?: Partial<R2Limits>
}

/** v4 / R2 error code for "the specified bucket does not exist". */
const NO_SUCH_BUCKET = 10006

/** Writes and looks up objects of one R2 bucket over the REST API. */
export class CloudflareR2Writer implements EdgeBlobWriter {
  private readonly objectsUrl: string
  private readonly api: CloudflareCaller
  private readonly limits: R2Limits

  constructor(opts: CloudflareR2Options) {
    const base = (opts.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '')
    this.objectsUrl =
      `${base}/accounts/${encodeURIComponent(opts.accountId)}` +
      `/r2/buckets/${encodeURIComponent(opts.bucket)}/objects/`
    this.api = new CloudflareCaller(opts)
    this.limits = { ...R2_LIMITS, ...opts.limits }
  }

  /**
   * One PUT of the raw bytes, retried on 429, 5xx and network errors; throws with Cloudflare's `[code] message`
   * otherwise. A key or size over the limits is refused before anything is sent.
   */
  async putBlob(key: string, bytes: Uint8Array, contentType = DEFAULT_BLOB_CONTENT_TYPE) {
    this.checkKey(key)
    if (bytes.byteLength > this.limits.maxObjectBytes)
      throw new Error(
        `R2 object ${JSON.stringify(key)} is ${bytes.byteLength} bytes; one upload takes at most ${this.limits.maxObjectBytes}`,
      )
    const url = this.objectsUrl + encodeObjectKey(key)
    const what = `R2 upload of ${JSON.stringify(key)} (${bytes.byteLength} bytes)`
    await this.api.withRetries(what, async (what) => {
      const res = await this.api.attempt(what, url, {
        method: 'PUT',
        headers: { 'Content-Type': contentType },
        body: bytes,
      })
      const env = await readEnvelope(res)
      if (!res.ok || env.success === false) throw httpError(what, res, env)
    })
  }

  /**
   * GET of the object, its body left unread: true on 200, false on a 404 (unless Cloudflare says the bucket itself
   * is missing: a misconfigured bucket must fail loudly, not read as empty), throws otherwise.
   */
  async hasBlob(key: string): Promise<boolean> {
    this.checkKey(key)
    const url = this.objectsUrl + encodeObjectKey(key)
    return this.api.withRetries(`R2 lookup of ${JSON.stringify(key)}`, async (what) => {
      const res = await this.api.attempt(what, url, { method: 'GET' })
      if (res.ok) {
        await res.body?.cancel()
        return true
      }
      const env = await readEnvelope(res)
      if (res.status === 404 && !hasCode(env.errors, NO_SUCH_BUCKET)) return false
      throw httpError(what, res, env)
    })
  }

  private checkKey(key: string): void {
    const bytes = Buffer.byteLength(key, 'utf8')
    if (bytes === 0 || bytes > this.limits.maxKeyBytes)
      throw new Error(
        `R2 key ${JSON.stringify(key)} is ${bytes} bytes; keys are 1 to ${this.limits.maxKeyBytes}`,
      )
  }
}
