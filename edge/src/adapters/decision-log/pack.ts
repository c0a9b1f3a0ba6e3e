/** Queue limits (Cloudflare Queues): 128 KB a message, 256 KB and 100 messages a `sendBatch`; kept under them. */
export const MESSAGE_BYTES = 100_000
const BATCH_BYTES = 200_000
const BATCH_MESSAGES = 100

const enc = new TextEncoder()

/** A record as its NDJSON line, and the bytes the line takes in a message (newline included). */
export function toLine<R>(record: R): { record: R; line: string; bytes: number } {
  const line = JSON.stringify(record)
  return { record, line, bytes: enc.encode(line).length + 1 }
}

/** Messages cut, in order, into `sendBatch` calls within the batch limits. */
export function packBatches<M extends { bytes: number }>(messages: readonly M[]): M[][] {
  const batches: M[][] = []
  let cur: M[] = []
  let bytes = 0
  for (const m of messages) {
    if (cur.length >= BATCH_MESSAGES || (cur.length > 0 && bytes + m.bytes > BATCH_BYTES)) {
      batches.push(cur)
      cur = []
      bytes = 0
    }
    cur.push(m)
    bytes += m.bytes
  }
  if (cur.length) batches.push(cur)
  return batches
}
