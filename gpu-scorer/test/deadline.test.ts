import { RankResponse, type RankRequestInput } from '@recsys/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeFixtureStore } from './fixture-store'
import { AUTH, rankCall, sample, scorerOn, tempStore } from './harness'

/**
 * A deliberately slow real model (2048- and 4096-wide layers: ~8M multiply-adds a row) so that a 1000-candidate
 * request costs tens of ms of inference; the deadline is then set from what the scorer measured, and searched for
 * where load moved it.
 */
let store: Awaited<ReturnType<typeof tempStore>>
let scorer: Awaited<ReturnType<typeof scorerOn>>

beforeAll(async () => {
  store = await tempStore()
  await writeFixtureStore(store.dir, { items: 1500, hidden: [2048, 4096] })
  scorer = await scorerOn(store.dir, { maxWaitMs: 0, maxBatch: 4096 })
})
afterAll(async () => {
  await scorer?.close()
  await store?.remove()
})

const req: RankRequestInput = {
  tenant: 'acme',
  surface: 'home_feed',
  subject: 'u.user-1',
  recent_items: ['item-2', 'item-3'],
  candidates: 1000,
  limit: 10,
}

describe('deadlines', () => {
  it('shrinks the candidate set when the full set would miss the deadline, then sheds when even a minimal one would', async () => {
    let full!: RankResponse
    let retrieve = Infinity
    for (let i = 0; i < 3; i++) {
      full = RankResponse.parse(
        await (await rankCall(scorer.url, req, { deadlineMs: 60_000 })).json(),
      )
      retrieve = Math.min(retrieve, full.timings_ms.retrieve!)
    }
    expect(full.shrunk).toBe(false)
    const inference = full.timings_ms.inference!
    expect(inference).toBeGreaterThan(20)

    // A deadline between "the full set fits" and "not even a minimal set fits": first retrieval's time plus 60 % of
    // the full set's inference; when this machine's load made a try come out full (it ran faster than measured) or
    // shed (slower), bisect between the tries. The window is wide (a minimal set costs about a tenth of the full
    // one), so a few tries find it whatever the load; the shrunk answer is what is under test, not the tries.
    let fits = 60_000 // a deadline the full set met
    let misses = 1 // one nothing met
    let deadlineMs = Math.ceil(retrieve + 0.6 * inference)
    let shrunk: RankResponse | undefined
    const tries: string[] = []
    for (let i = 0; i < 12 && !shrunk; i++) {
      const res = await rankCall(scorer.url, req, { deadlineMs })
      if (res.status === 503) {
        expect(((await res.json()) as any).error.message).toMatch(/cannot be met/)
        tries.push(`${deadlineMs} ms: shed`)
        misses = deadlineMs
      } else {
        expect(res.status).toBe(200)
        const r = RankResponse.parse(await res.json())
        if (r.shrunk) shrunk = r
        else {
          tries.push(`${deadlineMs} ms: full`)
          fits = deadlineMs
        }
      }
      deadlineMs = Math.round((fits + misses) / 2)
    }
    if (!shrunk) throw new Error(`no deadline gave a shrunk answer: ${tries.join(', ')}`)
    expect(shrunk.scored).toBeLessThan(full.scored)
    expect(shrunk.scored).toBeGreaterThanOrEqual(req.limit!)
    expect(shrunk.items).toHaveLength(req.limit!)
    // each source keeps part of its share, and the report adds up to what was scored
    const kept = Object.values(shrunk.sources).reduce((n, s) => n + s!.kept, 0)
    expect(kept).toBe(shrunk.scored)

    const shed = await rankCall(scorer.url, req, { deadlineMs: 1 })
    expect(shed.status).toBe(503)
    const body: any = await shed.json()
    expect(body.error.code).toBe('UNAVAILABLE')
    expect(body.error.message).toMatch(/deadline of 1 ms cannot be met/)
    expect(body.error.request_id).toBe(shed.headers.get('x-request-id'))

    const metrics = await (await fetch(`${scorer.url}/metrics`, AUTH)).text()
    expect(sample(metrics, 'scorer_shrunk_total{tenant="acme"}')).toBeGreaterThanOrEqual(1)
    expect(sample(metrics, 'scorer_shed_total{tenant="acme"}')).toBeGreaterThanOrEqual(1)
  })
})
