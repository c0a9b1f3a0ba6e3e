import { afterEach, describe, expect, it, vi } from 'vitest'
import type { DecisionRecord, LogMessage } from './message'
import { MAX_PENDING, QueueLogSink } from './queue'

/**
 * Test-only queue that records what `sendBatch` is handed, with Cloudflare's limits checked (Miniflare's queue
 * neither enforces them nor lets a test see message sizes). The path through the real Miniflare queue is covered
 * in test/decision-log.test.ts.
 */
function capturingQueue(failFirst = 0) {
  const batches: MessageSendRequest<LogMessage>[][] = []
  let failures = failFirst
  const queue = {
    async sendBatch(msgs: MessageSendRequest<LogMessage>[]) {
      if (failures > 0) {
        failures--
        throw new Error('queue unavailable')
      }
      batches.push(msgs)
    },
  } as unknown as Queue<LogMessage>
  return { queue, batches }
}

const enc = new TextEncoder()
const bytes = (m: MessageSendRequest<LogMessage>) => enc.encode(JSON.stringify(m.body)).length

function record(tenant: string, at: string, i: number, pad = 2500): DecisionRecord {
  return {
    kind: 'decision',
    tenant,
    at,
    request_id: `r-${i}`,
    slate_id: `s-${tenant}-${i}`,
    degraded_reasons: ['x'.repeat(pad)],
  } as unknown as DecisionRecord
}

describe('QueueLogSink', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('packs records into messages of one tenant and UTC hour, within the queue limits, each record once', async () => {
    const { queue, batches } = capturingQueue()
    const sink = new QueueLogSink(queue, 5)
    const hours = ['2026-11-21T10:59:59.000Z', '2026-11-21T11:00:00.000Z']
    const sent = Array.from({ length: 300 }, (_, i) =>
      record(i % 3 === 0 ? 'acme' : 'zeta', hours[i % 2]!, i),
    )
    await Promise.all(sent.map((r) => sink.send(r)))

    const seen: string[] = []
    for (const batch of batches) {
      expect(batch.length).toBeLessThanOrEqual(100)
      expect(batch.reduce((n, m) => n + bytes(m), 0)).toBeLessThanOrEqual(256_000)
      for (const m of batch) {
        expect(bytes(m)).toBeLessThanOrEqual(128_000)
        const d = m.body.decisions!
        const lines = d.lines.split('\n').map((l) => JSON.parse(l) as DecisionRecord)
        expect(lines).toHaveLength(d.n)
        for (const l of lines) {
          expect(l.tenant).toBe(d.tenant)
          expect(l.at.slice(0, 13)).toBe(d.at.slice(0, 13))
          seen.push(l.slate_id)
        }
      }
    }
    expect(seen.sort()).toEqual(sent.map((r) => r.slate_id).sort())
    // Packed: many records a message (a flush holds at most 40 records, here spread over 4 tenant-hours).
    expect(batches.flat().length).toBeLessThanOrEqual(sent.length / 5)
  })

  it('under steady traffic, one send carries every record of a window, not one record each', async () => {
    // Fake timers (Date and setTimeout, in this isolate): the windows are the sink's decision, not the machine's
    // speed; with real timers a loaded machine stretched the 10 ms gaps and split the windows at random.
    vi.useFakeTimers()
    const { queue, batches } = capturingQueue()
    const sink = new QueueLogSink(queue, 100)
    const at = '2026-11-21T10:00:00.000Z'
    const sends: Promise<void>[] = []
    // 30 records, one every 10 ms: 300 ms of traffic, three windows of 100 ms.
    for (let i = 0; i < 30; i++) {
      sends.push(sink.send(record('acme', at, i, 10)))
      await vi.advanceTimersByTimeAsync(10)
    }
    await vi.runAllTimersAsync()
    await Promise.all(sends)
    const perSend = batches.map((b) => b.reduce((n, m) => n + m.body.decisions!.n, 0))
    expect(perSend).toEqual([10, 10, 10])
  })

  it('keeps the records of a failed send for the next flush', async () => {
    vi.useFakeTimers()
    const { queue, batches } = capturingQueue(1)
    const sink = new QueueLogSink(queue, 1)
    const at = '2026-11-21T10:00:00.000Z'
    const first = expect(sink.send(record('acme', at, 1, 10))).rejects.toThrow('queue unavailable')
    await vi.runAllTimersAsync()
    await first
    expect(batches).toHaveLength(0)
    // Backed off: this record waits for the retry time (1 s after the failure), then both go.
    const second = sink.send(record('acme', at, 2, 10))
    await vi.advanceTimersByTimeAsync(999)
    expect(batches).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(1)
    await second
    const ids = batches
      .flat()
      .flatMap((m) => m.body.decisions!.lines.split('\n'))
      .map((l) => (JSON.parse(l) as DecisionRecord).slate_id)
    expect(ids.sort()).toEqual(['s-acme-1', 's-acme-2'])
  })

  it('while the queue fails, retries at most once per retry interval and keeps at most MAX_PENDING records', async () => {
    vi.useFakeTimers()
    let calls = 0
    const queue = {
      async sendBatch() {
        calls++
        throw new Error('queue unavailable')
      },
    } as unknown as Queue<LogMessage>
    const sink = new QueueLogSink(queue, 1, 200)
    const at = '2026-11-21T10:00:00.000Z'
    const n = MAX_PENDING + 500
    const t0 = Date.now()
    const sends: Promise<void>[] = []
    for (let i = 0; i < n; i++) {
      sends.push(sink.send(record('acme', at, i, 10)).catch(() => undefined))
      if (i % 100 === 99) await vi.advanceTimersByTimeAsync(20)
    }
    await vi.runAllTimersAsync()
    await Promise.all(sends)
    const elapsed = Date.now() - t0
    // One attempt at first, then one per 200 ms at most (each attempt may be a few batches).
    expect(calls).toBeLessThanOrEqual(3 * (2 + Math.ceil(elapsed / 200)))
    expect(sink.dropped).toBeGreaterThanOrEqual(500)
    // Once the queue is back, what is kept goes out: the newest MAX_PENDING records.
    const { queue: ok, batches } = capturingQueue()
    ;(sink as unknown as { queue: Queue<LogMessage> }).queue = ok
    await vi.advanceTimersByTimeAsync(250)
    const last = sink.send(record('acme', at, n, 10))
    await vi.runAllTimersAsync()
    await last
    const ids = batches
      .flat()
      .flatMap((m) => m.body.decisions!.lines.split('\n'))
      .map((l) => (JSON.parse(l) as DecisionRecord).slate_id)
    expect(ids.length).toBe(MAX_PENDING + 1)
    expect(ids).toContain(`s-acme-${n - 1}`)
    expect(ids).not.toContain('s-acme-0')
  })

  it('drops a record too large for any message instead of blocking the buffer', async () => {
    const { queue, batches } = capturingQueue()
    const sink = new QueueLogSink(queue, 1)
    const at = '2026-11-21T10:00:00.000Z'
    await Promise.all([
      sink.send(record('acme', at, 1, 200_000)),
      sink.send(record('acme', at, 2, 10)),
    ])
    const ids = batches
      .flat()
      .flatMap((m) => m.body.decisions!.lines.split('\n'))
      .map((l) => (JSON.parse(l) as DecisionRecord).slate_id)
    expect(ids).toEqual(['s-acme-2'])
  })
})
