import { logKeys } from '@recsys/shared'
import type { DecisionLines, DecisionRecord, LogMessage } from './message'
import { MESSAGE_BYTES, packBatches, toLine } from './pack'

/** A flush is sent at once, without waiting for the timer, once this many records are pending. */
const FLUSH_RECORDS = 40
/** Records kept for a retry while the Queue fails; beyond this the oldest are dropped (and counted). */
export const MAX_PENDING = 1000

type Pending = ReturnType<typeof toLine<DecisionRecord>>

/**
 * Sends decision records to the Queue, packed. Each request adds its record to an isolate-wide buffer; in its own
 * `waitUntil` it waits for the end of the buffer's window (`delayMs` after the first record into the empty buffer)
 * and then sends whatever the buffer holds, each record serialized once into the NDJSON line the consumer writes to
 * R2 as is: the first timer to fire sends the records of every request of the window, later ones find it empty.
 * One queue operation carries many records, and every send runs in the context of the request that makes it (no
 * promise crosses requests).
 */
export class QueueLogSink {
  private pending: DecisionRecord[] = []
  /** End of the current window (ms since epoch). */
  private flushAt = 0
  /** After a failed send, no flush before this (ms since epoch): a failing Queue is retried once per `retryMs`. */
  private retryAt = 0
  /** Records dropped because the Queue failed for longer than the buffer could hold. */
  dropped = 0

  constructor(
    private readonly queue: Queue<LogMessage>,
    /** The window (`DECISION_LOG_FLUSH_MS`). */
    private readonly delayMs: number,
    private readonly retryMs = 1000,
  ) {}

  /**
   * Buffers the record; the returned promise settles once it (or a later batch) was handed to the queue, or, while
   * a failing queue is backed off, once it is left pending for a later request's flush.
   */
  async send(record: DecisionRecord): Promise<void> {
    const now = Date.now()
    // The first record into an empty buffer opens a window; every record of the window waits for its end, so the
    // first timer to fire sends them all. (A timer per record, each `delayMs` after its own record, would fire
    // every few ms under steady traffic and send about one record each.) A window that ends now is over too: after
    // a failed send in the same ms (workerd's clock moves only between events), joining it would leave the record
    // pending with no flush scheduled for the retry time.
    if (this.pending.length === 0 || this.flushAt <= now)
      this.flushAt = Math.max(now + this.delayMs, this.retryAt)
    this.pending.push(record)
    const due = this.flushAt
    // Serialized after the timer, off the request's path to its response.
    if (this.pending.length < FLUSH_RECORDS || now < this.retryAt)
      await new Promise((r) => setTimeout(r, Math.max(0, due - now)))
    // Empty: an earlier timer sent this window. Backing off: a later request's flush sends what is pending. A flush
    // due at or after the retry time goes ahead even if the clock reads a little earlier (timers and Date.now() are
    // not in step, in workerd least of all): it was scheduled for the retry.
    if (this.pending.length === 0 || (Date.now() < this.retryAt && due < this.retryAt)) return
    const taken = this.pending
      .map((r) => toLine(r))
      .filter((p) => {
        if (p.bytes + 64 <= MESSAGE_BYTES) return true
        // Cannot happen with the caps of buildDecision; never let one record block the buffer.
        console.error(
          JSON.stringify({
            msg: 'decision record too large, dropped',
            slate_id: p.record.slate_id,
            bytes: p.bytes,
          }),
        )
        return false
      })
    this.pending = []
    const batches = packBatches(packMessages(taken))
    for (let b = 0; b < batches.length; b++) {
      try {
        await this.queue.sendBatch(
          batches[b]!.map((m) => ({ body: { decisions: m.msg }, contentType: 'v8' as const })),
        )
      } catch (e) {
        // Keep the unsent ones for a later request's flush, no sooner than `retryMs`, then report.
        this.pending.unshift(
          ...batches
            .slice(b)
            .flatMap((batch) => batch.flatMap((m) => m.items.map((i) => i.record))),
        )
        this.retryAt = Date.now() + this.retryMs
        const over = this.pending.length - MAX_PENDING
        if (over > 0) {
          this.pending.splice(0, over)
          this.dropped += over
          console.error(
            JSON.stringify({
              msg: 'decision log: queue failing, oldest records dropped',
              dropped: over,
              dropped_total: this.dropped,
              kept: this.pending.length,
            }),
          )
        }
        throw e
      }
    }
  }
}

interface Packed {
  msg: DecisionLines
  items: Pending[]
  bytes: number
}

/** Lines grouped by tenant and UTC hour, in arrival order, cut into messages of at most MESSAGE_BYTES. */
function packMessages(records: readonly Pending[]): Packed[] {
  const open = new Map<string, Packed>()
  const out: Packed[] = []
  for (const r of records) {
    const { tenant, at } = r.record
    // One message per R2 object's tenant and hour, named as the consumer names the object.
    const group = logKeys.hour(tenant, at)
    let cur = open.get(group)
    if (!cur || cur.bytes + r.bytes > MESSAGE_BYTES) {
      cur = { msg: { tenant, at, n: 0, lines: '' }, items: [], bytes: 64 }
      open.set(group, cur)
      out.push(cur)
    }
    cur.items.push(r)
    cur.bytes += r.bytes
  }
  for (const p of out) {
    p.msg.n = p.items.length
    p.msg.lines = p.items.map((i) => i.line).join('\n')
  }
  return out
}
