import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DeadlineExceededError, MicroBatcher } from './micro-batcher'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** A batcher whose model doubles each row, recording the size of every batch it ran. */
function doubling(maxBatch: number, maxWaitMs: number, delayMs = 0) {
  const sizes: number[] = []
  const b = new MicroBatcher<number, number>({
    maxBatch,
    maxWaitMs,
    run: async (rows) => {
      sizes.push(rows.length)
      if (delayMs) await sleep(delayMs)
      return rows.map((x) => x * 2)
    },
  })
  return { b, sizes }
}

describe('MicroBatcher', () => {
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

  it('a lone small request waits at most about maxWaitMs; a full batch goes at once', async () => {
    const { b } = doubling(4, 40)
    const t0 = performance.now()
    await b.submit([1])
    const lone = performance.now() - t0
    expect(lone).toBeGreaterThanOrEqual(35)
    // With a 10 s wait, only a full batch can resolve within the test's timeout.
    const { b: slow } = doubling(4, 10_000)
    expect(await slow.submit([1, 2, 3, 4])).toEqual([2, 4, 6, 8])
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
    const { b } = doubling(8, 1, 20)
    await b.submit([1, 2, 3, 4, 5, 6, 7, 8]) // learns ~20 ms per batch
    const backlog = Array.from({ length: 6 }, () => b.submit([1, 2, 3, 4, 5, 6, 7, 8]))
    const est = b.estimateMs(8)
    expect(est).toBeGreaterThan(60)
    await expect(b.submit([1], 10)).rejects.toBeInstanceOf(DeadlineExceededError)
    expect(b.stats.shed).toBe(1)
    await Promise.all(backlog)
    // With the queue drained, a generous budget is accepted.
    expect(await b.submit([3], 1_000)).toEqual([6])
  })

  it('counts what the running batch has left: a small request behind a long batch is shed, not admitted late', async () => {
    const { b } = doubling(1000, 0, 100)
    await b.submit(Array.from({ length: 1000 }, (_, i) => i)) // learns ~100 ms per 1000-row batch
    const long = b.submit(Array.from({ length: 1000 }, (_, i) => i))
    await sleep(5) // the long batch is running now
    expect(b.estimateMs(10)).toBeGreaterThan(60)
    await expect(b.submit([1], 30)).rejects.toBeInstanceOf(DeadlineExceededError)
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
