import {
  dot,
  RANK_SOURCES,
  RankResponse,
  SCORER_SCOPE_HEADER,
  type RankRequestInput,
} from '@recsys/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeFixtureStore, type FixtureStore } from './fixture-store'
import { AUTH, rankCall, sample, scorerOn, tempStore, TOKEN } from './harness'
import { referenceScore } from './reference'

let store: Awaited<ReturnType<typeof tempStore>>
let fx: FixtureStore
let scorer: Awaited<ReturnType<typeof scorerOn>>
let switches: Record<string, { value?: string }> = {}

beforeAll(async () => {
  store = await tempStore()
  fx = await writeFixtureStore(store.dir, { tenant: 'acme', items: 600, seed: 7 })
  scorer = await scorerOn(store.dir, { killSwitches: async () => switches })
})
afterAll(async () => {
  await scorer?.close()
  await store?.remove()
})

const base = (over: Partial<RankRequestInput> = {}): RankRequestInput => ({
  tenant: 'acme',
  surface: 'home_feed',
  subject: 'u.user-3',
  recent_items: ['item-10', 'item-11', 'item-12'],
  session_items: ['item-20', 'item-21'],
  candidates: 200,
  limit: 500,
  ...over,
})

async function rank(body: RankRequestInput) {
  const res = await rankCall(scorer.url, body, { deadlineMs: 10_000 })
  expect(res.status).toBe(200)
  return RankResponse.parse(await res.json())
}

describe('POST /v1/rank: retrieval', () => {
  it('keeps every source within its quota, with correct provenance, and never repeats an item', async () => {
    const req = base({ quotas: { trending: 15 } })
    const r = await rank(req)
    const quotas = { ann: 100, item2item: 60, trending: 15, editorial: 20 }
    for (const s of RANK_SOURCES) {
      const rep = r.sources[s]!
      expect(rep.quota).toBe(quotas[s])
      expect(rep.retrieved).toBeLessThanOrEqual(rep.quota)
      expect(rep.kept).toBeLessThanOrEqual(rep.retrieved)
      expect(rep.retrieved).toBeGreaterThan(0)
      // kept counts the items whose highest-priority source it is
      expect(r.items.filter((i) => i.source === s)).toHaveLength(rep.kept)
    }
    const ids = r.items.map((i) => i.item_id)
    expect(new Set(ids).size).toBe(ids.length)
    expect(r.scored).toBe(ids.length)

    const user = fx.userVectors.get('user-3')!
    const byDot = [...fx.items].sort(
      (a, b) => dot(user, fx.itemVectors.get(b)!) - dot(user, fx.itemVectors.get(a)!),
    )
    // HNSW is approximate; with ef ≥ k on 600 items, what it returns lies well inside the exact top 2k.
    const annTop = new Set(byDot.slice(0, 2 * quotas.ann))
    const seeds = [...req.session_items!, ...req.recent_items!]
    const i2i = new Set(seeds.flatMap((s) => fx.neighbors[s]!.map((n) => n.item_id)))
    // Lists are read past the user's history (the recent items: `exclude_consumed` is on by default).
    const fresh = (ids: string[], n: number) =>
      new Set(ids.filter((id) => !req.recent_items!.includes(id)).slice(0, n))
    const trending = fresh(
      fx.trending.items.map((e) => e.item_id),
      quotas.trending,
    )
    const editorial = fresh(
      fx.fallback.lists.find((l) => l.surface === 'home_feed')!.slate.items.map((e) => e.item_id),
      quotas.editorial,
    )
    for (const it of r.items) {
      // sources in priority order, `source` the first
      expect(it.sources).toEqual(RANK_SOURCES.filter((s) => it.sources.includes(s)))
      expect(it.source).toBe(it.sources[0])
      if (it.sources.includes('ann')) expect(annTop.has(it.item_id)).toBe(true)
      if (it.sources.includes('item2item')) expect(i2i.has(it.item_id)).toBe(true)
      expect(it.sources.includes('trending')).toBe(trending.has(it.item_id))
      expect(it.sources.includes('editorial')).toBe(editorial.has(it.item_id))
    }
    // the exact nearest neighbours that survive eligibility are found by ANN
    const eligible = (id: string) =>
      fx.catalog[id]!.available && !fx.denylist.includes(id) && !fx.traps.onlyInDE.includes(id)
    const found = new Set(r.items.filter((i) => i.sources.includes('ann')).map((i) => i.item_id))
    const exact = byDot.slice(0, 20).filter(eligible)
    expect(exact.filter((id) => found.has(id)).length).toBeGreaterThanOrEqual(exact.length - 1)
  })

  it('applies eligibility before scoring: denylist, unavailable, region, exclude and the anchor never come back', async () => {
    const trapItems = [...fx.traps.denied, ...fx.traps.unavailable, ...fx.traps.onlyInDE]
    const exclude = fx.trending.items.slice(0, 5).map((e) => e.item_id)
    const anchor = fx.fallback.lists[1]!.slate.items[0]!.item_id
    const r = await rank(
      base({ surface: 'related_items', anchor_item: anchor, exclude, candidates: 1000 }),
    )
    const ids = new Set(r.items.map((i) => i.item_id))
    for (const id of [...trapItems, ...exclude, anchor]) expect(ids.has(id)).toBe(false)
    // the same request from Germany may be served the DE-only items that were retrieved
    const de = await rank(
      base({
        surface: 'related_items',
        anchor_item: anchor,
        exclude,
        candidates: 1000,
        country: 'DE',
      }),
    )
    const deIds = new Set(de.items.map((i) => i.item_id))
    expect(fx.traps.onlyInDE.some((id) => deIds.has(id))).toBe(true)
    for (const id of [...fx.traps.denied, ...fx.traps.unavailable])
      expect(deIds.has(id)).toBe(false)
  })

  it('skips a source disabled by the request or by a kill switch, and the others still serve', async () => {
    const off = await rank(base({ disabled_sources: ['ann'] }))
    expect(off.sources.ann).toMatchObject({ retrieved: 0, kept: 0 })
    expect(off.sources.ann!.skipped).toMatch(/request/)
    expect(off.items.some((i) => i.sources.includes('ann'))).toBe(false)
    expect(off.items.length).toBeGreaterThan(0)

    switches = {
      'tenant:acme:source.trending': { value: '1' },
      'tenant:other:source.editorial': {},
    }
    try {
      const ks = await rank(base())
      expect(ks.sources.trending!.skipped).toMatch(/kill switch/)
      expect(ks.items.some((i) => i.sources.includes('trending'))).toBe(false)
      expect(ks.sources.editorial!.skipped).toBeUndefined()
      expect(ks.items.some((i) => i.sources.includes('editorial'))).toBe(true)
    } finally {
      switches = {}
    }
  })

  it('an anonymous subject without history has no ANN (no user vector) but is still ranked', async () => {
    const r = await rank(base({ subject: 'a.anon-1', recent_items: [], session_items: [] }))
    expect(r.sources.ann!.skipped).toMatch(/user vector/)
    expect(r.sources.item2item!.skipped).toBeDefined()
    expect(r.items.length).toBeGreaterThan(0)
  })
})

describe('POST /v1/rank: scores', () => {
  const cases: Array<[string, Partial<RankRequestInput>]> = [
    ['user embedding', {}],
    ['cold user (mean of history)', { subject: 'u.nobody', recent_items: ['item-40', 'item-41'] }],
    ['anchored surface', { surface: 'related_items', anchor_item: 'item-50', subject: 'a.x' }],
  ]
  it.each(cases)(
    'equal the TS reference forward pass of the same weights within 1e-5 (%s)',
    async (_, over) => {
      const req = base(over)
      const r = await rank(req)
      expect(r.release).toBe(fx.release)
      expect(r.model_version).toBe(fx.model_version)
      expect(r.index_version).toBe(fx.index_version)
      expect(r.items.length).toBeGreaterThan(50)
      for (const it of r.items)
        expect(
          Math.abs(it.score - referenceScore(fx, req, it.item_id, it.sources).score),
        ).toBeLessThan(1e-5)
      // sorted by score, cut to limit (on an anchored request, the anchor's neighbours first, then the rest)
      const pinned = (it: { reason: string }) => it.reason.startsWith('related_to:')
      for (let i = 1; i < r.items.length; i++)
        if (pinned(r.items[i - 1]!) === pinned(r.items[i]!))
          expect(r.items[i - 1]!.score).toBeGreaterThanOrEqual(r.items[i]!.score)
        else expect(pinned(r.items[i - 1]!)).toBe(true)
      const top = await rank({ ...req, limit: 7 })
      // (the same ids; scores agree to float precision: GEMM sums depend on the batch's shape)
      expect(top.items.map((i) => i.item_id)).toEqual(r.items.slice(0, 7).map((i) => i.item_id))
      top.items.forEach((it, k) => expect(it.score).toBeCloseTo(r.items[k]!.score, 6))
    },
  )

  it('give each item the reason of its highest-priority source', async () => {
    const r = await rank(base())
    const reasons = {
      ann: 'for_you',
      item2item: 'because_you_watched',
      trending: 'trending_now',
      editorial: 'editors_pick',
    }
    for (const it of r.items) expect(it.reason).toBe(reasons[it.source])
  })
})

describe('POST /v1/rank: errors', () => {
  it('401 without the service token or with a wrong one', async () => {
    for (const token of [null, 'wrong-token', `${TOKEN}x`]) {
      const res = await rankCall(scorer.url, base(), { token })
      expect(res.status).toBe(401)
      const body: any = await res.json()
      expect(body.error.code).toBe('UNAUTHORIZED')
      expect(body.error.request_id).toBe(res.headers.get('x-request-id'))
    }
  })

  it('400 on bodies that are not JSON or break the contract, and on a bad deadline header', async () => {
    const bad: Array<{ body?: unknown; raw?: string; deadlineMs?: number }> = [
      { raw: '{not json' },
      { body: { surface: 'home_feed', subject: 'u.x' } },
      { body: base({ limit: 0 }) },
      { body: base({ candidates: 9999 }) },
      { body: { ...base(), disabled_sources: ['nope'] } },
      { body: base(), deadlineMs: -5 },
    ]
    for (const b of bad) {
      const res = await rankCall(scorer.url, b.body, { raw: b.raw, deadlineMs: b.deadlineMs })
      expect(res.status).toBe(400)
      expect(((await res.json()) as any).error.code).toBe('BAD_REQUEST')
    }
  })

  it('404 for an unknown tenant or surface', async () => {
    for (const body of [base({ tenant: 'nobody' }), base({ surface: 'nowhere' })]) {
      const res = await rankCall(scorer.url, body)
      expect(res.status).toBe(404)
      expect(((await res.json()) as any).error.code).toBe('NOT_FOUND')
      // The tenant's problem, not the scorer's: the edge must not count it against the scorer's health.
      expect(res.headers.get(SCORER_SCOPE_HEADER)).toBe('tenant')
    }
  })
})

describe('GET /metrics', () => {
  it('exposes the request, stage, batch, queue, floor, shed, shrink, version and provider series', async () => {
    await rank(base())
    const text = await (await fetch(`${scorer.url}/metrics`, AUTH)).text()
    for (const name of [
      'scorer_request_duration_ms',
      'scorer_stage_duration_ms',
      'scorer_batch_rows',
      'scorer_queue_rows',
      'scorer_floored_scores_total',
      'scorer_shed_total',
      'scorer_shrunk_total',
      'scorer_loaded_release',
      'scorer_execution_provider',
      'scorer_inference_thread',
    ])
      expect(text).toMatch(new RegExp(`^# TYPE ${name} `, 'm'))
    expect(
      sample(text, 'scorer_request_duration_ms_count{route="/v1/rank",status="200"}'),
    ).toBeGreaterThan(0)
    for (const stage of ['retrieve', 'features', 'inference', 'total'])
      expect(sample(text, `scorer_stage_duration_ms_count{stage="${stage}"}`)).toBeGreaterThan(0)
    expect(sample(text, 'scorer_batch_rows_count')).toBeGreaterThan(0)
    expect(
      sample(
        text,
        `scorer_loaded_release{tenant="acme",release="${fx.release}",model_version="${fx.model_version}"}`,
      ),
    ).toBe(1)
    expect(sample(text, 'scorer_execution_provider{tenant="acme",provider="cpu"}')).toBe(1)
    // The fixture's small ranker runs a batch in far less than a hand-over to a thread: `auto` keeps it on the loop.
    expect(sample(text, 'scorer_inference_thread{tenant="acme",thread="main"}')).toBe(1)
  })
})
