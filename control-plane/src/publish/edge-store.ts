/**
 * The write side of the edge store (Workers KV): where a publish puts release blobs and flips pointers.
 * Adapters: local (the persisted Miniflare state `wrangler dev` serves) and Cloudflare (KV bulk write API).
 */
export interface EdgeStoreWriter {
  /**
   * Writes JSON documents (each value is JSON-serialised). Resolves once all are stored. Idempotent: writing the
   * same key and value again is harmless, so a retried publish may rewrite what a crashed one wrote.
   */
  putJson(
    entries: ReadonlyArray<{ key: string; value: unknown }>,
    onProgress?: (done: number, total: number) => void,
  ): Promise<void>
  /** Reads one JSON document; null when absent. */
  getJson(key: string): Promise<unknown>
}
