import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { DeadlineExceededError, MicroBatcher } from './micro-batcher'

/** A batcher whose model doubles each row, recording the size of every batch it ran. */
function doubling(maxBatch: number, maxWaitMs: number) {
  const sizes: number[] = []
  const b = new MicroBatcher<number, number>({
    maxBatch,
    maxWaitMs,
    run: async (rows) => {
      sizes.push(rows.length)
      return rows.map((x) => x * 2)
    },
  })
  return { b, sizes }
}

/** The end of this event-loop turn: every promise callback queued so far has run. */
const turn = () => new Promise((r) => setImmediate(r))

/**
 * A doubling batcher on a clock the test moves (`advance`), whose batches each run until the test ends them
 * (`finish`): how long a batch took, and how far into a batch an estimate is made, are the test's choice, not the
 * machine's speed.
 */
function clocked(maxBatch: number) {
  let now = 0
  const running: Array<() => void> = []
  const b = new MicroBatcher<number, number>({
    maxBatch,
    maxWaitMs: 0,
    now: () => now,
    run: async (rows) => {
      await new Promise<void>((r) => running.push(r))
      return rows.map((x) => x * 2)
    },
  })
  return {
    b,
    advance: (ms: number) => void (now += ms),
    /** Ends the batch that is running (once the batcher has started it) and lets the next one start. */
    finish: async () => {
      await turn()
      running.shift()!()
      await turn()
    },
  }
}

const rows = (n: number) => Array.from({ length: n }, (_, i) => i)

describe('MicroBatcher', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('packs concurrent requests into one batch and gives each its own outputs, in order', async () => {
    const { b, sizes } = doubling(64, 5)
    const [a, c, d] = await Promise.all([b.submit([1, 2, 3]), b.submit([10]), b.submit([7, 8])])
    expect(sizes).toEqual([6])
    expect(a).toEqual([2, 4, 6])
    expect(c).toEqual([20])
    expect(d).toEqual([14, 16])
  })

  it('never exceeds maxBatch and splits a large request across batches; outputs always line up', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 40 }), {
          minLength: 1,
          maxLength: 12,
        }),
        fc.integer({ min: 1, max: 16 }),
        async (requests, maxBatch) => {
          const { b, sizes } = doubling(maxBatch, 1)
          const out = await Promise.all(requests.map((r) => b.submit(r)))
          expect(out).toEqual(requests.map((r) => r.map((x) => x * 2)))
          expect(sizes.every((s) => s >= 1 && s <= maxBatch)).toBe(true)
          expect(sizes.reduce((x, y) => x + y, 0)).toBe(requests.flat().length)
          expect(b.queueDepth).toBe(0)
        },
      ),
      { numRuns: 40 },
    )
  })

  it('a lone small request waits maxWaitMs for company, no longer; a full batch goes at once', async () => {
    // Fake timers: when the flush timer fires is the batcher's decision, not the machine's load.
    vi.useFakeTimers()
    const { b, sizes } = doubling(4, 40)
    let lone: number[] | undefined
    void b.submit([1]).then((o) => (lone = o))
    await vi.advanceTimersByTimeAsync(39)
    expect(lone).toBeUndefined()
    await vi.advanceTimersByTimeAsync(1)
    expect(lone).toEqual([2])
    let full: number[] | undefined
    void b.submit([1, 2, 3, 4]).then((o) => (full = o))
    await vi.advanceTimersByTimeAsync(0)
    expect(full).toEqual([2, 4, 6, 8])
    expect(sizes).toEqual([1, 4])
  })

  it('a failing batch rejects only the requests in it; the next batch runs', async () => {
    let calls = 0
    const b = new MicroBatcher<number, number>({
      maxBatch: 2,
      maxWaitMs: 1,
      run: async (rows) => {
        calls++
        if (rows.includes(-1)) throw new Error('model failed')
        return rows
      },
    })
    const bad = b.submit([-1, 5, 6, 7])
    const good = b.submit([1])
    await expect(bad).rejects.toThrow('model failed')
    expect(await good).toEqual([1])
    // The rest of the failed request was dropped, not run.
    expect(calls).toBe(2)
  })

  it('a wrong number of outputs is an error, not a misaligned answer', async () => {
    const b = new MicroBatcher<number, number>({
      maxBatch: 8,
      maxWaitMs: 1,
      run: async (r) => r.slice(1),
    })
    await expect(b.submit([1, 2])).rejects.toThrow('1 outputs for 2 rows')
  })

  it('sheds a request whose estimated wait exceeds its budget, and counts it', async () => {
    const { b, advance, finish } = clocked(8)
    const first = b.submit(rows(8))
    advance(20)
    await finish()
    await first // learned: 20 ms per batch of 8
    const backlog = Array.from({ length: 6 }, () => b.submit(rows(8)))
    expect(b.estimateMs(8)).toBeGreaterThan(60)
    await expect(b.submit([1], 10)).rejects.toBeInstanceOf(DeadlineExceededError)
    expect(b.stats.shed).toBe(1)
    for (let i = 0; i < 6; i++) {
      advance(20)
      await finish()
    }
    await Promise.all(backlog)
    // With the queue drained, a generous budget is accepted.
    const small = b.submit([3], 1_000)
    await finish()
    expect(await small).toEqual([6])
  })

  it('counts what the running batch has left: a small request behind a long batch is shed, not admitted late', async () => {
    const { b, advance, finish } = clocked(1000)
    const first = b.submit(rows(1000))
    advance(100)
    await finish()
    await first // learned: 100 ms per 1000-row batch
    const long = b.submit(rows(1000))
    advance(5) // the long batch has run 5 ms of its ~100
    const early = b.estimateMs(10)
    expect(early).toBeGreaterThan(60)
    await expect(b.submit([1], 30)).rejects.toBeInstanceOf(DeadlineExceededError)
    // What it has left shrinks as it runs.
    advance(90)
    expect(b.estimateMs(10)).toBeCloseTo(early - 90, 6)
    advance(5)
    await finish()
    await long
    // Nothing running or queued: a small request fits a small budget again.
    expect(b.estimateMs(10)).toBeLessThan(30)
  })

  it('with maxRequests 1 runs each request in a batch of its own (batching off), never split', async () => {
    const sizes: number[] = []
    const b = new MicroBatcher<number, number>({
      maxBatch: 100,
      maxWaitMs: 0,
      maxRequests: 1,
      run: async (rows) => {
        sizes.push(rows.length)
        return rows.map((x) => -x)
      },
    })
    const out = await Promise.all([b.submit([1, 2, 3]), b.submit([4]), b.submit([5, 6])])
    expect(out).toEqual([[-1, -2, -3], [-4], [-5, -6]])
    expect(sizes).toEqual([3, 1, 2])
  })

  it('with maxWaitMs 0 still packs what was submitted in the same event-loop turn', async () => {
    const { b, sizes } = doubling(64, 0)
    const out = await Promise.all([b.submit([1]), b.submit([2, 3]), b.submit([4])])
    expect(out).toEqual([[2], [4, 6], [8]])
    expect(sizes).toEqual([4])
  })
})
