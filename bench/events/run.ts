/**
 * `npm run bench:events`: 100,000 events through `POST /v1/events` of the edge on wrangler's local dev engine
 * (real Queue, R2 and consumer; real Redis behind the Upstash gateway), as fast as the machine allows: closed loop,
 * BENCH_CONNECTIONS callers, BENCH_EVENTS_BATCH events a call. Then the baseline in the same run: the same calls
 * again, which are now all duplicates (validation, token checks and the claim round trip, no queue or state
 * writes). Then the log is exported (`recsys events export`'s code, over /internal/log) until it holds every
 * accepted event, and checked: exactly the accepted set, each once.
 * Knobs: BENCH_EVENTS (100000), BENCH_EVENTS_BATCH (100), BENCH_CONNECTIONS (8), BENCH_DRAIN_S (180).
 */
import { createHash, randomUUID } from 'node:crypto'
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { Pool } from 'undici'
import { kvKeys, type TrackedEvent } from '@recsys/shared'
import { exportLog } from '../../control-plane/src/events/export'
import { LocalLogReader } from '../../control-plane/src/events/local-log-reader'
import { freePort } from '@recsys/dev/net/free-port'
import { ensureRedis } from '@recsys/dev/redis/ensure-redis'
import { putLocalKv } from '@recsys/dev/stack/kv-local'
import { startWranglerDev } from '@recsys/dev/stack/wrangler-dev'
import { benchEvents, TRACKING_SECRET } from './data'
import { startGatewayProcess } from '../lib/gateway-process'

const N = Number(process.env.BENCH_EVENTS ?? 100_000)
const BATCH = Number(process.env.BENCH_EVENTS_BATCH ?? 100)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8)
const DRAIN_S = Number(process.env.BENCH_DRAIN_S ?? 180)
const root = path.resolve(import.meta.dirname, '../..')
const state = path.join(root, '.data/bench/events')
// A tenant of its own per run: the Redis on 6379 may be shared and outlive the run (its keys are removed at the end).
const EVENTS_TENANT = `bench-events-${randomUUID().slice(0, 8)}`

interface Pass {
  calls: number
  events: number
  accepted: number
  duplicates: number
  rejected: number
  errors: number
  seconds: number
  eventsPerS: number
  p50: number
  p99: number
}

/** Sends every batch once, `CONNECTIONS` callers in a closed loop. */
async function pass(url: string, key: string, batches: string[]): Promise<Pass> {
  const origin = new URL(url).origin
  const pool = new Pool(origin, { connections: CONNECTIONS, pipelining: 1 })
  const lat: number[] = []
  const r = { accepted: 0, duplicates: 0, rejected: 0, errors: 0 }
  let next = 0
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (next < batches.length) {
        const body = batches[next++]!
        const s = performance.now()
        try {
          const res = await pool.request({
            origin,
            method: 'POST',
            path: '/v1/events',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            body,
          })
          const json = (await res.body.json()) as {
            accepted: number
            duplicates: number
            rejected: unknown[]
          }
          if (res.statusCode !== 202) r.errors++
          else {
            r.accepted += json.accepted
            r.duplicates += json.duplicates
            r.rejected += json.rejected.length
          }
        } catch {
          r.errors++
        }
        lat.push(performance.now() - s)
      }
    }),
  )
  const seconds = (performance.now() - t0) / 1000
  await pool.close()
  lat.sort((a, b) => a - b)
  const q = (p: number) => Math.round(lat[Math.floor(p * (lat.length - 1))]! * 10) / 10
  return {
    calls: batches.length,
    events: batches.length * BATCH,
    ...r,
    seconds: Math.round(seconds * 100) / 100,
    eventsPerS: Math.round((r.accepted + r.duplicates) / seconds),
    p50: q(0.5),
    p99: q(0.99),
  }
}

async function readExported(dir: string): Promise<string[]> {
  const ids: string[] = []
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile() || !e.name.endsWith('.ndjson')) continue
    const text = await readFile(path.join(e.parentPath, e.name), 'utf8')
    for (const line of text.split('\n'))
      if (line.startsWith('{"kind":"event"')) ids.push((JSON.parse(line) as TrackedEvent).event_id)
  }
  return ids
}

/** Removes every Redis key of the run's tenant (SCAN + DEL through the gateway). */
async function dropTenantKeys(gatewayUrl: string, tenant: string): Promise<void> {
  const call = async (cmd: string[]) => {
    const res = await fetch(gatewayUrl, {
      method: 'POST',
      headers: { authorization: 'Bearer bench-token', 'content-type': 'application/json' },
      body: JSON.stringify(cmd),
    })
    return ((await res.json()) as { result: unknown }).result
  }
  let cursor = '0'
  do {
    const [next, keys] = (await call([
      'SCAN',
      cursor,
      'MATCH',
      `t:${tenant}:*`,
      'COUNT',
      '5000',
    ])) as [string, string[]]
    if (keys.length > 0) await call(['DEL', ...keys])
    cursor = next
  } while (cursor !== '0')
}

async function main() {
  await rm(state, { recursive: true, force: true })
  await mkdir(state, { recursive: true })
  console.log(`minting ${N} events …`)
  const events = await benchEvents(N, EVENTS_TENANT)
  const batches: string[] = []
  for (let i = 0; i < events.length; i += BATCH)
    batches.push(JSON.stringify({ events: events.slice(i, i + BATCH) }))

  const redis = await ensureRedis()
  // In its own process, as Upstash is a service of its own (not on the load generator's event loop).
  const gateway = await startGatewayProcess({ redisUrl: redis.url, token: 'bench-token' })
  const apiKey = `rk_bench_events_${randomUUID().slice(0, 8)}`
  const adminToken = `admin-${randomUUID()}`
  const edgeState = path.join(state, 'edge')
  await putLocalKv({
    config: path.join(root, 'wrangler.toml'),
    binding: 'EDGE_KV',
    persistTo: edgeState,
    entries: [
      {
        key: kvKeys.apiKey(createHash('sha256').update(apiKey).digest('hex')),
        value: { tenant: EVENTS_TENANT, key_id: 'bench', permissions: ['events'], disabled: false },
      },
    ],
  })
  console.log('starting wrangler dev: edge …')
  const edge = await startWranglerDev({
    config: path.join(root, 'wrangler.toml'),
    port: await freePort(),
    persistTo: edgeState,
    readyPath: '/v1/health',
    vars: {
      UPSTASH_REDIS_REST_URL: gateway.url,
      UPSTASH_REDIS_REST_TOKEN: 'bench-token',
      TRACKING_SECRET,
      // A secret published in the repository: the edge takes it on a local dev server only.
      LOCAL_DEV: '1',
      EDGE_ADMIN_TOKEN: adminToken,
    },
  })
  try {
    console.log(`warming up …`)
    await pass(edge.url, apiKey, [
      JSON.stringify({ events: [{ ...events[0]!, event_id: 'warm-1' }] }),
    ])

    console.log(
      `sending ${N} events: ${batches.length} calls of ${BATCH}, ${CONNECTIONS} callers …`,
    )
    const fresh = await pass(edge.url, apiKey, batches)
    console.log(`  ${fresh.eventsPerS} accepted events/s`)
    console.log('baseline: the same calls again (all duplicates) …')
    const dup = await pass(edge.url, apiKey, batches)
    console.log(`  ${dup.eventsPerS} duplicate events/s`)

    console.log('waiting for the log to hold every accepted event (export over /internal/log) …')
    const dir = path.join(state, 'export')
    await mkdir(dir, { recursive: true })
    const reader = new LocalLogReader({ url: edge.url, token: adminToken })
    const since = new Date(Date.now() - 2 * 3_600_000)
    const drainStart = performance.now()
    let ids: string[] = []
    const deadline = Date.now() + DRAIN_S * 1000
    for (;;) {
      await exportLog({ reader, tenant: EVENTS_TENANT, since, dir })
      ids = await readExported(dir)
      if (ids.length >= fresh.accepted || Date.now() > deadline) break
      await new Promise((r) => setTimeout(r, 2000))
    }
    // A little longer: anything written twice would show up now.
    await new Promise((r) => setTimeout(r, 5000))
    const final = await exportLog({ reader, tenant: EVENTS_TENANT, since, dir })
    ids = await readExported(dir)
    const drainS = Math.round((performance.now() - drainStart) / 100) / 10
    const sent = new Set(events.map((e) => e.event_id))
    const counts = new Map<string, number>()
    for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1)
    const duplicated = [...counts.values()].filter((n) => n > 1).length
    const lost = [...sent].filter((id) => !counts.has(id)).length
    const foreign = [...counts.keys()].filter((id) => !sent.has(id) && id !== 'warm-1').length
    const log = {
      objects: final.objects,
      records: ids.length,
      unique: counts.size,
      lost,
      duplicated,
      foreign,
      drainS,
    }
    const ok =
      fresh.accepted === N &&
      fresh.errors === 0 &&
      dup.duplicates === N &&
      dup.errors === 0 &&
      lost === 0 &&
      duplicated === 0 &&
      foreign === 0

    const row = (name: string, p: Pass) =>
      `| ${name} | ${p.calls} | ${p.accepted} | ${p.duplicates} | ${p.rejected} | ${p.errors} | ${p.seconds} | ${p.eventsPerS} | ${p.p50} | ${p.p99} |`
    const report = [
      `${N} events, ${BATCH} a call, ${CONNECTIONS} callers (closed loop), wrangler dev on loopback (${new Date().toISOString()}):`,
      '',
      '| pass | calls | accepted | duplicates | rejected | errors | s | events/s | p50 ms/call | p99 ms/call |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      row('new events', fresh),
      row('baseline: the same calls again (all duplicates)', dup),
      '',
      `accepted events/s: ${fresh.eventsPerS} (target ≥ 2,000); ratio to the all-duplicates baseline: ${(fresh.eventsPerS / dup.eventsPerS).toFixed(2)}`,
      `log: ${log.records} event records in ${log.objects} objects; ${log.unique} unique; lost ${lost}, duplicated ${duplicated}, unknown ${foreign}; complete ${drainS} s after the last call`,
      ok ? 'check: the log holds exactly the accepted set, each once' : 'check FAILED',
    ].join('\n')
    console.log(`\n${report}\n`)
    await mkdir(path.join(root, 'bench/results'), { recursive: true })
    await writeFile(
      path.join(root, 'bench/results/events.json'),
      JSON.stringify(
        {
          at: new Date().toISOString(),
          n: N,
          batch: BATCH,
          connections: CONNECTIONS,
          fresh,
          dup,
          log,
          ok,
        },
        null,
        2,
      ),
    )
    await writeFile(path.join(root, 'bench/results/events.md'), report + '\n')
    if (!ok) process.exitCode = 1
  } finally {
    await edge.stop()
    await dropTenantKeys(gateway.url, EVENTS_TENANT).catch((e: unknown) =>
      console.error(`could not remove the run's Redis keys: ${String(e)}`),
    )
    await gateway.close()
    await redis.stop()
  }
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
