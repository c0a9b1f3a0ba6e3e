/**
 * The read side of the edge's log bucket (R2: NDJSON under `<tenant>/<yyyy-mm-dd>/<hh>/`, `logKeys`). Adapters:
 * local (the running edge's /internal/log route over the persisted Miniflare state of `wrangler dev`) and
 * Cloudflare (the v4 REST API for R2 objects).
 */
export interface LogReader {
  /** One page of the keys under `prefix`, in key order; `cursor` is null on the last page. */
  list(
    prefix: string,
    cursor?: string,
  ): Promise<{ objects: Array<{ key: string; size: number }>; cursor: string | null }>
  /** The bytes of one object; throws when it is absent. */
  get(key: string): Promise<Uint8Array>
}
