/**
 * The write side of the edge's artifact bucket (R2): large release blobs such as the edge model, stored under
 * content-addressed keys (`r2Keys.blob`). Adapters: local (the running edge's /internal/r2 route, over the persisted
 * Miniflare state `wrangler dev` serves) and Cloudflare (the v4 REST API for R2 objects).
 */
export interface EdgeBlobWriter {
  /**
   * Stores the bytes under `key` (content type default `application/octet-stream`); resolves once stored.
   * @note Keys are content-addressed, so writing a key again writes the same bytes: a retried publish may.
   */
  putBlob(key: string, bytes: Uint8Array, contentType?: string): Promise<void>
  /** Whether an object is stored under `key`. */
  hasBlob(key: string): Promise<boolean>
}

/** The content type of blobs written without one. */
export const DEFAULT_BLOB_CONTENT_TYPE = 'application/octet-stream'

/** An object key as a URL path: each `/`-separated segment percent-encoded, the slashes kept literal. */
export const encodeObjectKey = (key: string): string =>
  key.split('/').map(encodeURIComponent).join('/')
