import type { EdgeStoreWriter } from './edge-store'

const ENTRIES_PER_CALL = 2_000
const BYTES_PER_CALL = 8 * 1024 * 1024

/**
 * The local edge store: KV of the Worker that `npm start` runs, written through its /internal route (a running
 * workerd does not see writes that another process makes to its persisted state).
 */
export class LocalEdgeStoreWriter implements EdgeStoreWriter {
  constructor(private readonly opts: { url: string; token: string }) {}

  async putJson(
    entries: ReadonlyArray<{ key: string; value: unknown }>,
    onProgress?: (done: number, total: number) => void,
  ): Promise<void> {
    let batch: Array<{ key: string; value: string }> = []
    let bytes = 0
    let done = 0
    const flush = async () => {
      if (batch.length === 0) return
      const res = await fetch(`${this.opts.url}/internal/kv`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${this.opts.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ entries: batch }),
      })
      if (!res.ok)
        throw new Error(`local edge store refused a write: ${res.status} ${await res.text()}`)
      done += batch.length
      onProgress?.(done, entries.length)
      batch = []
      bytes = 0
    }
    for (const e of entries) {
      const value = JSON.stringify(e.value)
      if (batch.length >= ENTRIES_PER_CALL || bytes + value.length > BYTES_PER_CALL) await flush()
      batch.push({ key: e.key, value })
      bytes += value.length + e.key.length
    }
    await flush()
  }

  async getJson(key: string): Promise<unknown> {
    const res = await fetch(`${this.opts.url}/internal/kv?key=${encodeURIComponent(key)}`, {
      headers: { authorization: `Bearer ${this.opts.token}` },
    })
    if (res.status === 404) return null
    if (!res.ok) throw new Error(`local edge store read failed: ${res.status} ${await res.text()}`)
    return JSON.parse(await res.text())
  }
}
