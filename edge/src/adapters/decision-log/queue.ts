import type { LogMessage, LogRecord } from './message'

/** Records packed into one queue message; a decision record is 1–3 KB, a message may hold 128 KB. */
const RECORDS_PER_MESSAGE = 40

/**
 * Sends log records to the Queue, packed. Each request adds its record to an isolate-wide buffer and, in its own
 * `waitUntil`, waits `delayMs` and then sends whatever the buffer holds: the first timer to fire sends the
 * records of every request that arrived meanwhile, later ones find it empty. One queue operation carries many
 * records, and every send runs in the context of the request that makes it (no promise crosses requests).
 */
export class QueueLogSink {
  private readonly pending: LogRecord[] = []

  constructor(
    private readonly queue: Queue<LogMessage>,
    private readonly delayMs = 20,
  ) {}

  /** Buffers the record; the returned promise settles once it (or a later batch) was handed to the queue. */
  async send(record: LogRecord): Promise<void> {
    this.pending.push(record)
    if (this.pending.length < RECORDS_PER_MESSAGE)
      await new Promise((r) => setTimeout(r, this.delayMs))
    if (this.pending.length === 0) return
    const records = this.pending.splice(0)
    const messages: MessageSendRequest<LogMessage>[] = []
    for (let i = 0; i < records.length; i += RECORDS_PER_MESSAGE)
      messages.push({
        body: { records: records.slice(i, i + RECORDS_PER_MESSAGE) },
        contentType: 'json',
      })
    try {
      await this.queue.sendBatch(messages)
    } catch (e) {
      // Keep them for the next request's flush, then report.
      this.pending.unshift(...records)
      throw e
    }
  }
}
