import { DEFAULT_BLOB_CONTENT_TYPE, encodeObjectKey, type EdgeBlobWriter } from './edge-blobs'
import {
  RetryableStatusError,
  retryIdempotent,
  retryableStatus,
  type RetryPolicy,
} from './idempotent-retry'

/**
 * The local artifact bucket: R2 of the Worker that `npm start` runs, written through its /internal/r2 route (a
 * running workerd does not see writes that another process makes to its persisted state). Bodies up to 64 MiB.
 * A PUT of the same bytes under their own key and a HEAD are idempotent: a dropped connection or a 5xx is retried
 * under `retry`.
 */
export class LocalEdgeBlobWriter implements EdgeBlobWriter {
  constructor(private readonly opts: { url: string; token: string; retry?: RetryPolicy }) {}

  private url(key: string) {
    return `${this.opts.url}/internal/r2/${encodeObjectKey(key)}`
  }

  async putBlob(key: string, bytes: Uint8Array, contentType = DEFAULT_BLOB_CONTENT_TYPE) {
    await retryIdempotent(async () => {
      const res = await fetch(this.url(key), {
        method: 'PUT',
        headers: { authorization: `Bearer ${this.opts.token}`, 'content-type': contentType },
        body: bytes,
      })
      if (res.ok) return void (await res.body?.cancel())
      const message = `local artifact bucket refused ${key}: ${res.status} ${await res.text()}`
      throw retryableStatus(res.status)
        ? new RetryableStatusError(message, res.status)
        : new Error(message)
    }, this.opts.retry)
  }

  async hasBlob(key: string): Promise<boolean> {
    return retryIdempotent(async () => {
      const res = await fetch(this.url(key), {
        method: 'HEAD',
        headers: { authorization: `Bearer ${this.opts.token}` },
      })
      if (res.status === 404) return false
      const message = `local artifact bucket lookup of ${key} failed: ${res.status}`
      if (retryableStatus(res.status)) throw new RetryableStatusError(message, res.status)
      if (!res.ok) throw new Error(message)
      return true
    }, this.opts.retry)
  }
}
