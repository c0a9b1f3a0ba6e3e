import type { EdgeStoreWriter } from './edge-store'
import {
  RetryableStatusError,
  retryIdempotent,
  retryableStatus,
  type RetryPolicy,
} from './idempotent-retry'

/** One PUT carries at most this many entries and bytes (the Worker's route takes one JSON body). */
const ENTRIES_PER_CALL = 2_000
const BYTES_PER_CALL = 8 * 1024 * 1024

/**
 * A write to the edge store that did not complete: which entries the store has and which it may not have. Every
 * batch before the failed one was acknowledged; the failed batch and every later one were not (the failed one may
 * have been stored in part or whole: writes are idempotent, so repeating all of `unwritten` is safe).
 */
export class EdgeStoreWriteError extends Error {
  override readonly name = 'EdgeStoreWriteError'
  constructor(
    readonly written: readonly string[],
    readonly unwritten: readonly string[],
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause)
    super(
      `local edge store write failed: ${written.length} of ${written.length + unwritten.length} entries written, ` +
        `${unwritten.length} not (from ${JSON.stringify(unwritten[0])}): ${reason}`,
      { cause },
    )
  }
}

/**
 * The local edge store: KV of the Worker that `npm start` runs, written through its /internal route (a running
 * workerd does not see writes that another process makes to its persisted state). Each call is idempotent (a PUT
 * of the same entries, a read), so a dropped connection or a 5xx is retried under `retry`; a batch that still
 * fails ends the write with an `EdgeStoreWriteError` naming what was and was not written.
 */
export class LocalEdgeStoreWriter implements EdgeStoreWriter {
  constructor(
    private readonly opts: {
      url: string
      token: string
      retry?: RetryPolicy
      /** Entries per PUT; default 2,000. */
      entriesPerCall?: number
    },
  ) {}

  async putJson(
    entries: ReadonlyArray<{ key: string; value: unknown }>,
    onProgress?: (done: number, total: number) => void,
  ): Promise<void> {
    const batches: Array<Array<{ key: string; value: string }>> = [[]]
    let bytes = 0
    for (const e of entries) {
      const value = JSON.stringify(e.value)
      const open = batches[batches.length - 1]!
      if (
        open.length >= (this.opts.entriesPerCall ?? ENTRIES_PER_CALL) ||
        (open.length > 0 && bytes + value.length > BYTES_PER_CALL)
      ) {
        batches.push([])
        bytes = 0
      }
      batches[batches.length - 1]!.push({ key: e.key, value })
      bytes += value.length + e.key.length
    }
    let done = 0
    for (const [i, batch] of batches.entries()) {
      if (batch.length === 0) continue
      try {
        await retryIdempotent(() => this.putBatch(batch), this.opts.retry)
      } catch (e) {
        const written = batches.slice(0, i).flatMap((b) => b.map((x) => x.key))
        const unwritten = batches.slice(i).flatMap((b) => b.map((x) => x.key))
        throw new EdgeStoreWriteError(written, unwritten, e)
      }
      done += batch.length
      onProgress?.(done, entries.length)
    }
  }

  private async putBatch(batch: ReadonlyArray<{ key: string; value: string }>): Promise<void> {
    const res = await fetch(`${this.opts.url}/internal/kv`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${this.opts.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ entries: batch }),
    })
    if (res.ok) return void (await res.body?.cancel())
    const message = `local edge store refused a write: ${res.status} ${await res.text()}`
    throw retryableStatus(res.status)
      ? new RetryableStatusError(message, res.status)
      : new Error(message)
  }

  async getJson(key: string): Promise<unknown> {
    return retryIdempotent(async () => {
      const res = await fetch(`${this.opts.url}/internal/kv?key=${encodeURIComponent(key)}`, {
        headers: { authorization: `Bearer ${this.opts.token}` },
      })
      if (res.status === 404) return null
      if (!res.ok) {
        const message = `local edge store read failed: ${res.status} ${await res.text()}`
        throw retryableStatus(res.status)
          ? new RetryableStatusError(message, res.status)
          : new Error(message)
      }
      return JSON.parse(await res.text())
    }, this.opts.retry)
  }
}
