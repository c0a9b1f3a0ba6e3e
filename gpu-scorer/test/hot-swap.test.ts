import { mkdir, readdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { RankResponse, type RankRequestInput } from '@recsys/shared'
import { afterEach, describe, expect, it } from 'vitest'
import { flipFixtureRelease, writeFixtureStore, type FixtureStore } from './fixture-store'
import { AUTH, rankCall, sample, scorerOn, tempStore, until } from './harness'
import { referenceScore } from './reference'

const cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f()
})

async function setup() {
  const store = await tempStore()
  cleanup.push(store.remove)
  return store.dir
}

const req: RankRequestInput = {
  tenant: 'acme',
  surface: 'home_feed',
  subject: 'u.user-5',
  recent_items: ['item-3', 'item-4'],
  session_items: ['item-9'],
  candidates: 300,
  limit: 40,
}

describe('hot swap', () => {
  // Inference on the event loop (what `auto` picks for the fixture's small ranker) and on a thread of its own.
  it.each(['main', 'worker'] as const)(
    'under concurrent load (inference on %s) fails no request and never mixes releases inside a response',
    async (thread) => {
      const dir = await setup()
      const r1 = await writeFixtureStore(dir, { release: 'r-one', modelSeed: 1, items: 400 })
      const r2 = await writeFixtureStore(dir, {
        release: 'r-two',
        modelSeed: 2,
        items: 400,
        flip: false,
      })
      expect(r1.model_version).not.toBe(r2.model_version)
      const byRelease = new Map<string, FixtureStore>([
        [r1.release, r1],
        [r2.release, r2],
      ])
      const scorer = await scorerOn(dir, { pollMs: 20, maxWaitMs: 2, inferenceThread: thread })
      cleanup.push(() => scorer.close())
      const placed = (await scorer.metrics.inferenceThread.get()).values
      expect(placed.map((v) => [v.labels.thread, v.value])).toEqual([[thread, 1]])

      const responses: Array<{ status: number; body: unknown }> = []
      let stop = false
      const worker = async () => {
        while (!stop) {
          const res = await rankCall(scorer.url, req, { deadlineMs: 10_000 })
          responses.push({ status: res.status, body: await res.json() })
        }
      }
      const workers = Array.from({ length: 6 }, worker)
      const seen = (release: string) =>
        responses.some((r) => (r.body as { release?: string }).release === release)
      await until(() => responses.length >= 20)
      // publish r-two, roll back to r-one, publish r-two again: three swaps under load
      for (const next of ['r-two', 'r-one', 'r-two']) {
        const before = responses.length
        await flipFixtureRelease(dir, 'acme', next)
        await until(() =>
          responses.slice(before).some((r) => (r.body as { release?: string }).release === next),
        )
        await until(() => responses.length >= before + 30)
      }
      stop = true
      await Promise.all(workers)

      expect(seen('r-one') && seen('r-two')).toBe(true)
      expect(responses.filter((r) => r.status !== 200)).toEqual([])
      for (const { body } of responses) {
        const r = RankResponse.parse(body)
        const fx = byRelease.get(r.release)!
        expect(r.model_version).toBe(fx.model_version)
        for (const it of r.items)
          expect(
            Math.abs(it.score - referenceScore(fx, req, it.item_id, it.sources).score),
          ).toBeLessThan(1e-5)
      }
      // every replaced release was disposed once its requests finished
      await until(() => scorer.log.events.filter((e) => e.event === 'release disposed').length >= 3)
      const live = scorer.log.events.filter((e) => e.event === 'release live').map((e) => e.release)
      expect(live).toEqual(['r-one', 'r-two', 'r-one', 'r-two'])
    },
  )

  it('a release that fails to load is logged and counted, and the previous one keeps serving', async () => {
    const dir = await setup()
    const good = await writeFixtureStore(dir, { release: 'r-good', items: 200 })
    const scorer = await scorerOn(dir, { pollMs: 20 })
    cleanup.push(() => scorer.close())
    // r-bad: a complete manifest whose model blob is not ONNX
    const bad = await writeFixtureStore(dir, {
      release: 'r-bad',
      items: 200,
      modelSeed: 9,
      flip: false,
    })
    const blob = (await readdir(path.join(dir, 'acme', 'blobs'))).find((f) =>
      f.startsWith(bad.model_version.split('@')[1]!),
    )!
    await writeFile(path.join(dir, 'acme', 'blobs', blob), 'not an onnx model')
    await flipFixtureRelease(dir, 'acme', 'r-bad')
    await until(() => scorer.log.events.some((e) => e.event === 'release load failed'))
    const failure = scorer.log.events.find((e) => e.event === 'release load failed')!
    expect(failure).toMatchObject({ tenant: 'acme', release: 'r-bad', serving: 'r-good' })

    const res = await rankCall(scorer.url, req, { deadlineMs: 10_000 })
    expect(res.status).toBe(200)
    expect(((await res.json()) as any).release).toBe(good.release)
    const metrics = await (await fetch(`${scorer.url}/metrics`, AUTH)).text()
    expect(
      sample(metrics, 'scorer_release_load_failures_total{tenant="acme"}'),
    ).toBeGreaterThanOrEqual(1)
    expect((await fetch(`${scorer.url}/healthz`)).status).toBe(200)

    // a manifest that breaks its contract fails the same way
    await mkdir(path.join(dir, 'acme', 'releases'), { recursive: true })
    await writeFile(
      path.join(dir, 'acme', 'releases', 'r-junk.json'),
      JSON.stringify({ tenant: 'acme', release: 'r-junk' }),
    )
    await flipFixtureRelease(dir, 'acme', 'r-junk')
    await until(() =>
      scorer.log.events.some((e) => e.event === 'release load failed' && e.release === 'r-junk'),
    )
    expect(scorer.releases.current('acme')?.release).toBe('r-good')
  })
})

describe('GET /healthz', () => {
  it('is 503 before any release is loaded and 200 with every tenant once each is warmed', async () => {
    const dir = await setup()
    const scorer = await scorerOn(dir, { pollMs: 20 })
    cleanup.push(() => scorer.close())
    let res = await fetch(`${scorer.url}/healthz`)
    expect(res.status).toBe(503)
    expect(((await res.json()) as any).status).toBe('no_tenants')

    // a tenant with a pointer but no loadable release yet: known, not ready
    await mkdir(path.join(dir, 'beta'), { recursive: true })
    await flipFixtureRelease(dir, 'beta', 'r-missing')
    const a = await writeFixtureStore(dir, { tenant: 'acme', items: 150 })
    await until(() => scorer.releases.current('acme') !== undefined)
    res = await fetch(`${scorer.url}/healthz`, AUTH)
    expect(res.status).toBe(503)
    expect(await res.json()).toMatchObject({ status: 'loading', tenants: { beta: null } })

    const b = await writeFixtureStore(dir, { tenant: 'beta', items: 150, seed: 3 })
    await until(async () => (await fetch(`${scorer.url}/healthz`)).status === 200)
    res = await fetch(`${scorer.url}/healthz`, AUTH)
    expect(await res.json()).toEqual({
      status: 'ready',
      tenants: {
        acme: { release: a.release, model_version: a.model_version },
        beta: { release: b.release, model_version: b.model_version },
      },
    })
  })

  it('a tenant removed from the store is unloaded: no longer served, and it does not hold readiness back', async () => {
    const dir = await setup()
    await writeFixtureStore(dir, { tenant: 'acme', items: 150 })
    // A tenant whose release never loads, then removed by its operator.
    await mkdir(path.join(dir, 'broken'), { recursive: true })
    await flipFixtureRelease(dir, 'broken', 'r-missing')
    const scorer = await scorerOn(dir, { pollMs: 20 })
    cleanup.push(() => scorer.close())
    expect((await fetch(`${scorer.url}/healthz`)).status).toBe(503)
    const gone = await writeFixtureStore(dir, { tenant: 'gone', items: 150, seed: 5 })
    await until(() => scorer.releases.current('gone') !== undefined)
    expect(
      (await rankCall(scorer.url, { ...req, tenant: 'gone' }, { deadlineMs: 10_000 })).status,
    ).toBe(200)

    await rm(path.join(dir, 'broken'), { recursive: true, force: true })
    await rm(path.join(dir, 'gone'), { recursive: true, force: true })
    await until(async () => scorer.releases.tenants.length === 1)
    expect(scorer.releases.tenants).toEqual(['acme'])
    expect((await fetch(`${scorer.url}/healthz`)).status).toBe(200)
    const res = await rankCall(scorer.url, { ...req, tenant: 'gone' })
    expect(res.status).toBe(404)
    const metrics = await (await fetch(`${scorer.url}/metrics`, AUTH)).text()
    expect(metrics).not.toContain(`release="${gone.release}"`)
  })
})
