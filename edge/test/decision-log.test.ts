import { createExecutionContext, createMessageBatch, getQueueResult, SELF } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import type { DecisionRecord } from '../src/adapters/decision-log/message'
import { consumeLogBatch, logObjectKey } from '../src/queue/consumer'
import { baseSpec, createKey, newTenant, publish, seedUser } from './fixtures'

async function listAll(prefix: string) {
  return (await env.LOG_BUCKET.list({ prefix })).objects.map((o) => o.key)
}

describe('decision log', () => {
  it('a served request lands in R2 as NDJSON under tenant/date/hour with tier, versions and removals', async () => {
    const tenant = newTenant('log')
    await publish(baseSpec(tenant, { denylist: ['i31'] }))
    await seedUser(tenant, 'u1', { consent: true })
    const key = await createKey(tenant)
    // Through the Worker's own entry (SELF): the producer binding, the queue, and the consumer are Miniflare's.
    const res = await SELF.fetch('https://edge.test/v1/recommendations', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        surface: 'home_feed',
        subject: { user_id: 'u1' },
        limit: 4,
        request_id: 'log-1',
      }),
    })
    expect(res.status).toBe(200)
    const served = (await res.json()) as any

    // Polled: the record goes through the queue and its consumer's batch; the limit only guards against a hang.
    let keys: string[] = []
    for (const end = Date.now() + 20_000; keys.length === 0 && Date.now() < end;) {
      await new Promise((r) => setTimeout(r, 100))
      keys = await listAll(`${tenant}/`)
    }
    expect(keys).toHaveLength(1)
    expect(keys[0]).toMatch(
      new RegExp(`^${tenant}/\\d{4}-\\d{2}-\\d{2}/\\d{2}/decision-[0-9a-f]{16}\\.ndjson$`),
    )
    const text = await (await env.LOG_BUCKET.get(keys[0]!))!.text()
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as DecisionRecord)
    expect(lines).toHaveLength(1)
    const rec = lines[0]!
    expect(rec).toMatchObject({
      kind: 'decision',
      tenant,
      request_id: 'log-1',
      slate_id: served.slate_id,
      tier: 'cached_user',
      release: 'r1',
      model_version: 'm1',
      rules_version: 'rules1',
      privacy_mode: 'personalized',
    })
    expect(rec.items.map((i) => i.item_id)).toEqual(
      served.items.map((i: { item_id: string }) => i.item_id),
    )
    expect(rec.removed).toContainEqual({
      item_id: 'i31',
      tier: 'cached_user',
      stage: 'denylist',
      reason: 'denylisted',
    })
  })

  it('the consumer groups decisions (objects or pre-serialized lines) by tenant and hour across the batch, and retries only the messages of a failed write', async () => {
    // One record per message here; the producer packs many.
    const rec = (tenant: string, at: string) => ({
      records: [{ kind: 'decision', tenant, at, request_id: crypto.randomUUID() }],
    })
    const lines = (tenant: string, at: string, n: number) => ({
      decisions: {
        tenant,
        at,
        n,
        lines: Array.from({ length: n }, () =>
          JSON.stringify({ kind: 'decision', tenant, at, request_id: crypto.randomUUID() }),
        ).join('\n'),
      },
    })
    const a = newTenant('ca')
    const b = newTenant('cb')
    const batch = createMessageBatch('recsys-logs', [
      { id: 'm1', timestamp: new Date(), attempts: 1, body: rec(a, '2026-11-21T10:05:00.000Z') },
      // As the producer sends them: two records of one tenant and hour, serialized once.
      {
        id: 'm2',
        timestamp: new Date(),
        attempts: 1,
        body: lines(a, '2026-11-21T10:59:00.000Z', 2),
      },
      { id: 'm3', timestamp: new Date(), attempts: 1, body: rec(a, '2026-11-21T11:00:00.000Z') },
      { id: 'm4', timestamp: new Date(), attempts: 1, body: rec(b, '2026-11-21T10:00:00.000Z') },
    ] as never)
    // A test-only R2 stand-in that refuses writes for tenant b (Miniflare's R2 cannot be told to fail).
    const flaky = {
      put: (k: string, v: string, o: R2PutOptions) =>
        k.startsWith(`${b}/`) ? Promise.reject(new Error('R2 503')) : env.LOG_BUCKET.put(k, v, o),
    } as unknown as R2Bucket
    const ctx = createExecutionContext()
    const claims = { claim: async () => [] }
    await consumeLogBatch(batch as never, flaky, claims)
    const result = await getQueueResult(batch, ctx)
    expect(result.explicitAcks.sort()).toEqual(['m1', 'm2', 'm3'])
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual(['m4'])
    const keys = await listAll(`${a}/`)
    // m1 and m2 share tenant and hour: one object; m3 is the next hour.
    expect(keys.map((k) => k.split('/').slice(1, 3).join('/')).sort()).toEqual([
      '2026-11-21/10',
      '2026-11-21/11',
    ])
    const hour10 = (await env.LOG_BUCKET.get(keys.find((k) => k.includes('/10/'))!))!
    const hour10Lines = (await hour10.text()).trim().split('\n')
    expect(hour10Lines).toHaveLength(3)
    for (const l of hour10Lines)
      expect(JSON.parse(l)).toMatchObject({ kind: 'decision', tenant: a })
    // Redelivered alone, m1 lands again (another batch, another object): decisions are at least once, and
    // readers de-duplicate them by slate_id. (Events are exactly once: log-consumer.test.ts.)
    const m1 = rec(a, '2026-11-21T10:05:00.000Z')
    const again = createMessageBatch('recsys-logs', [
      { id: 'm1', timestamp: new Date(), attempts: 2, body: m1 },
    ] as never)
    await consumeLogBatch(again as never, env.LOG_BUCKET, claims)
    expect(await listAll(`${a}/`)).toHaveLength(3)
  })

  it('object keys are UTC tenant/date/hour', () => {
    expect(logObjectKey('acme', 'decision', '2026-01-02T03:04:05+02:00', 'abc')).toBe(
      'acme/2026-01-02/01/decision-abc.ndjson',
    )
  })
})
