import { DEFAULT_BLOB_CONTENT_TYPE, encodeObjectKey, type EdgeBlobWriter } from './edge-blobs'

/**
 * The local artifact bucket: R2 of the Worker that `npm start` runs, written through its /internal/r2 route (a
 * running workerd does not see writes that another process makes to its persisted state). Bodies up to 64 MiB.
 */
export class LocalEdgeBlobWriter implements EdgeBlobWriter {
  constructor(private readonly opts: { url: string; token: string }) {}

  private url(key: string) {
    return `${this.opts.url}/internal/r2/${encodeObjectKey(key)}`
  }

  async putBlob(key: string, bytes: Uint8Array, contentType = DEFAULT_BLOB_CONTENT_TYPE) {
    const res = await fetch(this.url(key), {
      method: 'PUT',
      headers: { authorization: `Bearer ${this.opts.token}`, 'content-type': contentType },
      body: bytes,
    })
    if (!res.ok)
      throw new Error(`local artifact bucket refused ${key}: ${res.status} ${await res.text()}`)
    await res.body?.cancel()
  }

  async hasBlob(key: string): Promise<boolean> {
    const res = await fetch(this.url(key), {
      method: 'HEAD',
      headers: { authorization: `Bearer ${this.opts.token}` },
    })
    if (res.status === 404) return false
    if (!res.ok) throw new Error(`local artifact bucket lookup of ${key} failed: ${res.status}`)
    return true
  }
}
