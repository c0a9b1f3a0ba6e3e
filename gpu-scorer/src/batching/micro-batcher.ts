/**
 * Micro-batching across concurrent requests (docs/scorer.md#funnel): rows from many requests are packed into one
 * inference call of at most `maxBatch` rows, flushed when full or `maxWaitMs` after the first waiting row.
 * One batch runs at a time (the model session is the bottleneck); a request larger than `maxBatch` spans batches.
 * The batcher keeps an estimate of its throughput so callers can tell, before queueing, whether a request would
 * miss its deadline (the scorer then shrinks the request, or rejects it).
 */
export interface MicroBatcherOptions<I, O> {
  maxBatch: number
  maxWaitMs: number
  /** At most this many requests share a batch (default: unlimited). 1 turns batching across requests off. */
  maxRequests?: number
  /** Runs one batch: `rows` inputs in submission order, returns one output per row, in order. */
  run: (rows: readonly I[]) => Promise<readonly O[]>
  /** Observes each batch (size, ms) for metrics. */
  onBatch?: (rows: number, ms: number) => void
  now?: () => number
}

/** Thrown (rejected) when a request cannot finish before its deadline; nothing of it ran. */
export class DeadlineExceededError extends Error {
  constructor(
    message: string,
    readonly estimatedMs: number,
  ) {
    super(message)
    this.name = 'DeadlineExceededError'
  }
}

interface Pending<I, O> {
  rows: readonly I[]
  /** Outputs gathered so far (a request may span batches). */
  out: O[]
  /** Rows of this request already taken into a batch. */
  taken: number
  resolve: (o: O[]) => void
  reject: (e: unknown) => void
  failed: boolean
}

export class MicroBatcher<I, O> {
  private readonly queue: Pending<I, O>[] = []
  private queuedRows = 0
  private running = false
  /** The running batch's rows and start (`now()`), for the time it still has to run. */
  private runningRows = 0
  private runningSince = 0
  /** Cancels the pending flush, when one is scheduled. */
  private timer: (() => void) | undefined
  /** Exponentially weighted ms per row of recent batches, and a fixed cost per batch. */
  private msPerRow = 0
  private msPerBatch = 0
  readonly stats = { batches: 0, rows: 0, shed: 0, maxQueueRows: 0 }
  private readonly now: () => number

  constructor(private readonly opts: MicroBatcherOptions<I, O>) {
    if (!(opts.maxBatch >= 1)) throw new Error('maxBatch must be at least 1')
    if (!(opts.maxWaitMs >= 0)) throw new Error('maxWaitMs must be at least 0')
    if (!((opts.maxRequests ?? 1) >= 1)) throw new Error('maxRequests must be at least 1')
    this.now = opts.now ?? (() => performance.now())
  }

  /** Rows waiting (not yet in a running batch). */
  get queueDepth(): number {
    return this.queuedRows
  }

  /**
   * Estimated ms until a request of `rows` rows would be scored, from the rows ahead of it, what the running batch
   * has left to run, and recent batch timings (0 before the first batch: no estimate yet).
   */
  estimateMs(rows: number): number {
    const ahead = this.queuedRows + rows
    const byRequests = Math.ceil((this.queue.length + 1) / (this.opts.maxRequests ?? Infinity))
    const batches = Math.max(Math.ceil(ahead / this.opts.maxBatch), byRequests)
    const running = this.running
      ? Math.max(
          0,
          this.msPerBatch + this.runningRows * this.msPerRow - (this.now() - this.runningSince),
        )
      : 0
    return running + batches * this.msPerBatch + ahead * this.msPerRow + this.opts.maxWaitMs
  }

  /**
   * Scores `rows`; resolves with one output per row, in order. With `budgetMs`, rejects at once with
   * {@link DeadlineExceededError} when the estimate says it would not finish within it.
   */
  submit(rows: readonly I[], budgetMs?: number): Promise<O[]> {
    if (rows.length === 0) return Promise.resolve([])
    if (budgetMs !== undefined && this.stats.batches > 0) {
      const est = this.estimateMs(rows.length)
      if (est > budgetMs) {
        this.stats.shed++
        return Promise.reject(
          new DeadlineExceededError(
            `would take ~${est.toFixed(1)} ms with ${this.queuedRows} rows queued; budget ${budgetMs} ms`,
            est,
          ),
        )
      }
    }
    return new Promise<O[]>((resolve, reject) => {
      this.queue.push({ rows, out: [], taken: 0, resolve, reject, failed: false })
      this.queuedRows += rows.length
      this.stats.maxQueueRows = Math.max(this.stats.maxQueueRows, this.queuedRows)
      this.schedule()
    })
  }

  private schedule() {
    if (this.running) return
    if (
      this.queuedRows >= this.opts.maxBatch ||
      this.queue.length >= (this.opts.maxRequests ?? Infinity)
    ) {
      this.clearTimer()
      void this.runBatch()
    } else if (!this.timer && this.queuedRows > 0) {
      const flush = () => {
        this.timer = undefined
        if (!this.running && this.queuedRows > 0) void this.runBatch()
      }
      // maxWaitMs 0: flush at the end of this event-loop turn (setTimeout(0) would wait ~1 ms), so requests whose
      // bodies arrived in the same turn, or while a batch ran, still share a batch.
      if (this.opts.maxWaitMs === 0) {
        const h = setImmediate(flush)
        this.timer = () => clearImmediate(h)
      } else {
        const h = setTimeout(flush, this.opts.maxWaitMs)
        this.timer = () => clearTimeout(h)
      }
    }
  }

  private clearTimer() {
    this.timer?.()
    this.timer = undefined
  }

  private async runBatch() {
    this.running = true
    const parts: Array<{ p: Pending<I, O>; n: number }> = []
    const rows: I[] = []
    const maxRequests = this.opts.maxRequests ?? Infinity
    while (
      rows.length < this.opts.maxBatch &&
      this.queue.length > 0 &&
      parts.length < maxRequests
    ) {
      const p = this.queue[0]!
      const n = Math.min(p.rows.length - p.taken, this.opts.maxBatch - rows.length)
      for (let k = 0; k < n; k++) rows.push(p.rows[p.taken + k]!)
      parts.push({ p, n })
      p.taken += n
      if (p.taken === p.rows.length) this.queue.shift()
    }
    this.queuedRows -= rows.length
    const t0 = this.now()
    this.runningRows = rows.length
    this.runningSince = t0
    try {
      const out = await this.opts.run(rows)
      if (out.length !== rows.length)
        throw new Error(`the batch returned ${out.length} outputs for ${rows.length} rows`)
      const ms = this.now() - t0
      this.learn(rows.length, ms)
      this.opts.onBatch?.(rows.length, ms)
      let i = 0
      for (const { p, n } of parts) {
        for (let k = 0; k < n; k++) p.out.push(out[i + k]!)
        i += n
        if (!p.failed && p.out.length === p.rows.length) p.resolve(p.out)
      }
    } catch (e) {
      for (const { p } of parts) {
        if (p.failed) continue
        p.failed = true
        p.reject(e)
        // Drop what is left of a failed request.
        const at = this.queue.indexOf(p)
        if (at >= 0) {
          this.queue.splice(at, 1)
          this.queuedRows -= p.rows.length - p.taken
        }
      }
    } finally {
      this.stats.batches++
      this.stats.rows += rows.length
      this.running = false
      this.schedule()
    }
  }

  private learn(rows: number, ms: number) {
    const a = this.stats.batches === 0 ? 1 : 0.2
    // Split the time into a per-batch part (a tenth, at least) and a per-row part.
    this.msPerBatch = (1 - a) * this.msPerBatch + a * (ms * 0.1)
    this.msPerRow = (1 - a) * this.msPerRow + a * ((ms * 0.9) / Math.max(1, rows))
  }
}
