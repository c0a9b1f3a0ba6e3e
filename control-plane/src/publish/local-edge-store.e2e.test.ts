import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDroppingProxy } from '../../test/dropping-proxy'
import { startEdgeStack } from '../../test/edge-stack'
import { EdgeStoreWriteError, LocalEdgeStoreWriter } from './local-edge-store'

/**
 * The local edge-store writer against the real Worker (wrangler's local engine), through a proxy that drops chosen
 * PUTs after their head and part of their body: the connection losses a busy `wrangler dev` shows.
 */
describe('local edge store writer, connections dropped mid-write', () => {
  let stack: Awaited<ReturnType<typeof startEdgeStack>>
  beforeAll(async () => {
    stack = await startEdgeStack()
  }, 120_000)
  afterAll(async () => {
    await stack?.stop()
  })

  // 50 entries, 20 a PUT: three PUTs of 20, 20 and 10 entries.
  const entries = (prefix: string) =>
    Array.from({ length: 50 }, (_, i) => ({
      key: `${prefix}:${i}`,
      value: { i, pad: 'x'.repeat(64) },
    }))
  const fast = { retry: { retries: 3, minDelayMs: 5, maxDelayMs: 20 }, entriesPerCall: 20 }
  const proxyFor = (drop: (n: number) => boolean) =>
    startDroppingProxy({
      target: { host: '127.0.0.1', port: Number(new URL(stack.url).port) },
      match: 'PUT /internal/kv HTTP/1.1',
      drop,
    })
  /** Reads back through the Worker itself, not the proxy. */
  const stored = (keys: string[]) => Promise.all(keys.map((k) => stack.edge.getJson(k)))

  it('retries a batch whose connection was dropped and stores every entry once', async () => {
    const proxy = await proxyFor((n) => n === 2)
    try {
      const writer = new LocalEdgeStoreWriter({ ...stack.edgeAdmin, url: proxy.url, ...fast })
      const prefix = `drop-once-${randomUUID()}`
      const progress: number[] = []
      await writer.putJson(entries(prefix), (done) => progress.push(done))
      // Three batches, the second sent twice.
      expect(proxy.requests).toBe(4)
      expect(progress).toEqual([20, 40, 50])
      const sample = [0, 19, 20, 25, 39, 40, 49]
      expect(await stored(sample.map((i) => `${prefix}:${i}`))).toEqual(
        sample.map((i) => ({ i, pad: 'x'.repeat(64) })),
      )
    } finally {
      await proxy.close()
    }
  })

  it('gives up after the bounded retries and names what was written and what was not', async () => {
    const proxy = await proxyFor((n) => n >= 2)
    try {
      const writer = new LocalEdgeStoreWriter({ ...stack.edgeAdmin, url: proxy.url, ...fast })
      const prefix = `drop-always-${randomUUID()}`
      const progress: number[] = []
      const err = await writer
        .putJson(entries(prefix), (done) => progress.push(done))
        .then(
          () => null,
          (e: unknown) => e,
        )
      expect(err).toBeInstanceOf(EdgeStoreWriteError)
      const e = err as EdgeStoreWriteError
      expect([e.written.length, e.unwritten.length]).toEqual([20, 30])
      expect([e.written[0], e.unwritten[0], e.unwritten.at(-1)]).toEqual([
        `${prefix}:0`,
        `${prefix}:20`,
        `${prefix}:49`,
      ])
      expect(e.message).toMatch(/20 of 50 entries written, 30 not .*4 attempt\(s\)/)
      // One PUT for the first batch, then the second batch's first attempt and its 3 retries; the third never sent.
      expect(proxy.requests).toBe(5)
      expect(progress).toEqual([20])
      expect(await stored([`${prefix}:19`, `${prefix}:20`, `${prefix}:40`])).toEqual([
        { i: 19, pad: 'x'.repeat(64) },
        null,
        null,
      ])
    } finally {
      await proxy.close()
    }
  })

  it('does not retry a write the store refuses (a wrong token)', async () => {
    const proxy = await proxyFor(() => false)
    try {
      const writer = new LocalEdgeStoreWriter({
        url: proxy.url,
        token: 'not-the-token',
        ...fast,
      })
      await expect(writer.putJson(entries(`refused-${randomUUID()}`))).rejects.toThrow(
        /0 of 50 entries written.*1 attempt\(s\): local edge store refused a write: 401/,
      )
      expect(proxy.requests).toBe(1)
    } finally {
      await proxy.close()
    }
  })
})
