import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import type { LogMessage, LogRecord } from '../src/adapters/decision-log/message'
import { UpstashLogClaims } from '../src/adapters/log-claims/upstash'
import { consumeLogBatch } from '../src/queue/consumer'
import { newTenant } from './fixtures'
import { readLog } from './log-reader'

/** Real Redis through the gateway: the claims the Worker's consumer uses. */
const claims = () =>
  new UpstashLogClaims({ url: env.UPSTASH_REDIS_REST_URL, token: env.UPSTASH_REDIS_REST_TOKEN })

/**
 * Miniflare's R2 cannot be told to fail, so this test-only decorator wraps the real binding: `fail(key, n)` decides
 * per put (n counts the puts of that key). `landThenThrow` stores the object and then throws anyway, as a write
 * whose acknowledgement was lost.
 */
function flakyBucket(fail: (key: string, n: number) => 'ok' | 'throw' | 'landThenThrow') {
  const puts = new Map<string, number>()
  const bucket = {
    async put(key: string, value: string, opts: R2PutOptions) {
      const n = (puts.get(key) ?? 0) + 1
      puts.set(key, n)
      const what = fail(key, n)
      if (what === 'throw') throw new Error('R2 503 (injected)')
      const obj = await env.LOG_BUCKET.put(key, value, opts)
      if (what === 'landThenThrow') throw new Error('R2 timeout after the write (injected)')
      return obj
    },
  } as unknown as R2Bucket
  return { bucket, puts }
}

const event = (tenant: string, id: string, at: string): LogRecord => ({
  kind: 'event',
  tenant,
  at,
  event_id: id,
  type: 'view',
  user_id: 'u1',
  item_id: 'i1',
  event_time: at,
  ingestion_time: at,
  key_id: 'k',
})

interface Msg {
  id: string
  body: LogMessage
  attempts: number
}

/** Delivers messages as the queue does, redelivering what the consumer asked to retry, until all are acked. */
async function deliverUntilAcked(
  first: Msg[],
  bucket: R2Bucket,
  extra: (round: number) => Msg[] = () => [],
): Promise<{ rounds: number; retried: number }> {
  let pending = first
  let rounds = 0
  let retried = 0
  while (pending.length > 0 && rounds < 20) {
    rounds++
    const batch = createMessageBatch('recsys-logs', [
      ...pending.map((m) => ({ ...m, timestamp: new Date() })),
      ...extra(rounds).map((m) => ({ ...m, timestamp: new Date() })),
    ] as never)
    const ctx = createExecutionContext()
    await consumeLogBatch(batch as never, bucket, claims())
    const result = await getQueueResult(batch, ctx)
    const again = new Set(result.retryMessages.map((m: { msgId: string }) => m.msgId))
    retried += again.size
    const all = [...pending, ...extra(rounds)]
    pending = all.filter((m) => again.has(m.id)).map((m) => ({ ...m, attempts: m.attempts + 1 }))
  }
  return { rounds, retried }
}

describe('log consumer: exactly once under failing R2 writes and redelivery', () => {
  it('a failing R2 write is retried, and every event lands exactly once', async () => {
    const t = newTenant('xo')
    const hours = ['2026-11-21T10:15:00.000Z', '2026-11-21T11:45:00.000Z']
    const all: string[] = []
    const msgs: Msg[] = Array.from({ length: 6 }, (_, m) => {
      const records = Array.from({ length: 25 }, (_, i) => {
        const id = `ev-${m}-${i}`
        all.push(id)
        return event(t, id, hours[i % 2]!)
      })
      return { id: `msg-${t}-${m}`, body: { records }, attempts: 1 }
    })
    // A client retried a call that had failed after queueing: the same events in another message.
    msgs.push({
      id: `msg-${t}-dup`,
      body: { records: msgs[0]!.body.records!.slice(0, 10) },
      attempts: 1,
    })
    // A decision record rides along: decisions are grouped per batch and at least once (readers de-duplicate).
    msgs.push({
      id: `msg-${t}-dec`,
      body: {
        decisions: {
          tenant: t,
          at: hours[0]!,
          n: 1,
          lines: JSON.stringify({ kind: 'decision', tenant: t, at: hours[0] }),
        },
      },
      attempts: 1,
    })

    // First attempts: every other object fails, some land and still report failure; later attempts succeed.
    let k = 0
    const { bucket, puts } = flakyBucket((_key, n) => {
      if (n > 1) return 'ok'
      k++
      return k % 3 === 0 ? 'landThenThrow' : k % 3 === 1 ? 'throw' : 'ok'
    })
    const { rounds, retried } = await deliverUntilAcked(msgs, bucket)
    expect(rounds).toBeGreaterThan(1)
    expect(retried).toBeGreaterThan(0)
    expect([...puts.values()].some((n) => n > 1)).toBe(true)

    // At-least-once delivery: an acknowledged message comes again, alone and with a new one.
    const late: Msg = {
      id: `msg-${t}-late`,
      body: { records: [event(t, 'ev-late', hours[1]!)] },
      attempts: 1,
    }
    all.push('ev-late')
    await deliverUntilAcked([{ ...msgs[2]!, attempts: 1 }, msgs[6]!, late], bucket)

    const logged = await readLog(`${t}/`)
    const events = logged.filter((r) => r.rec.kind === 'event').map((r) => r.rec.event_id as string)
    expect(events.length).toBe(all.length)
    expect(new Set(events)).toEqual(new Set(all))
    const decisions = logged.filter((r) => r.rec.kind === 'decision')
    expect(decisions.length).toBeGreaterThanOrEqual(1)
    expect(new Set(decisions.map((d) => JSON.stringify(d.rec))).size).toBe(1)
    for (const r of logged)
      expect(r.key.startsWith(`${t}/2026-11-21/${r.rec.at.slice(11, 13)}/`)).toBe(true)
  })

  it('claims unreachable: nothing is written and the messages with events are retried', async () => {
    const t = newTenant('xo-down')
    const batch = createMessageBatch('recsys-logs', [
      {
        id: 'a',
        timestamp: new Date(),
        attempts: 1,
        body: { records: [event(t, 'x1', '2026-11-21T10:00:00.000Z')] },
      },
      {
        id: 'b',
        timestamp: new Date(),
        attempts: 1,
        body: {
          records: [{ kind: 'deletion', tenant: t, user_id: 'u1', at: '2026-11-21T10:00:00.000Z' }],
        },
      },
    ] as never)
    const down = { claim: () => Promise.reject(new Error('Redis unreachable')) }
    const ctx = createExecutionContext()
    await consumeLogBatch(batch as never, env.LOG_BUCKET, down)
    const result = await getQueueResult(batch, ctx)
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual(['a'])
    expect(result.explicitAcks).toEqual(['b'])
    const logged = await readLog(`${t}/`)
    expect(logged.map((r) => r.rec.kind)).toEqual(['deletion'])
  })
})
