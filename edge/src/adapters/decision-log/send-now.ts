import type { LogMessage, LogRecord } from './message'

/** Queue limits (Cloudflare Queues): 128 KB a message, 256 KB and 100 messages a `sendBatch`; kept under them. */
const MESSAGE_BYTES = 100_000
const BATCH_BYTES = 200_000
const BATCH_MESSAGES = 100

const enc = new TextEncoder()

/**
 * Sends records to the log queue now, packed into as few messages as the limits allow, and resolves once the queue
 * holds all of them (throws otherwise). For the events and deletion paths, which answer only after that.
 * @note Each message becomes one R2 object (queue/consumer.ts), so packing also keeps the object count down.
 */
export async function sendNow(
  queue: Queue<LogMessage>,
  records: readonly LogRecord[],
): Promise<void> {
  const messages: Array<{ records: LogRecord[]; bytes: number }> = []
  let cur: { records: LogRecord[]; bytes: number } | undefined
  for (const r of records) {
    const bytes = enc.encode(JSON.stringify(r)).length + 1
    if (!cur || cur.bytes + bytes > MESSAGE_BYTES) messages.push((cur = { records: [], bytes: 16 }))
    cur.records.push(r)
    cur.bytes += bytes
  }
  let batch: MessageSendRequest<LogMessage>[] = []
  let batchBytes = 0
  const flush = async () => {
    if (batch.length) await queue.sendBatch(batch)
    batch = []
    batchBytes = 0
  }
  for (const m of messages) {
    if (batch.length >= BATCH_MESSAGES || batchBytes + m.bytes > BATCH_BYTES) await flush()
    batch.push({ body: { records: m.records }, contentType: 'json' })
    batchBytes += m.bytes
  }
  await flush()
}
