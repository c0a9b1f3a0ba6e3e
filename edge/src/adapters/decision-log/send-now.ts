import type { LogMessage, LogRecord } from './message'
import { MESSAGE_BYTES, packBatches, toLine } from './pack'

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
    const { bytes } = toLine(r)
    if (!cur || cur.bytes + bytes > MESSAGE_BYTES) messages.push((cur = { records: [], bytes: 16 }))
    cur.records.push(r)
    cur.bytes += bytes
  }
  for (const batch of packBatches(messages))
    await queue.sendBatch(
      batch.map((m) => ({ body: { records: m.records }, contentType: 'json' as const })),
    )
}
