import { RankResponse, type RankRequestInput } from '@recsys/shared'
import { afterEach, describe, expect, it } from 'vitest'
import { writeFixtureStore } from './fixture-store'
import { AUTH, rankCall, sample, scorerOn, tempStore, until } from './harness'
import { referenceScore } from './reference'

const cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f()
})

const req: RankRequestInput = {
  tenant: 'acme',
  surface: 'home_feed',
  subject: 'u.user-2',
  recent_items: ['item-1'],
  candidates: 300,
  limit: 500,
}

async function scorerFor(opts: Parameters<typeof writeFixtureStore>[1]) {
  const store = await tempStore()
  cleanup.push(store.remove)
  const fx = await writeFixtureStore(store.dir, { items: 300, ...opts })
  const scorer = await scorerOn(store.dir)
  cleanup.push(() => scorer.close())
  const res = await rankCall(scorer.url, req, { deadlineMs: 10_000 })
  expect(res.status).toBe(200)
  const body = RankResponse.parse(await res.json())
  const metrics = await (await fetch(`${scorer.url}/metrics`, AUTH)).text()
  return { fx, body, metrics }
}

describe('the NaN / range guard', () => {
  it('a model that outputs NaN scores every item as the floor, and the NaNs are counted', async () => {
    const { fx, body, metrics } = await scorerFor({ nanModel: true })
    expect(body.scored).toBeGreaterThan(100)
    expect(body.floored).toBe(body.scored)
    for (const it of body.items) expect(it.score).toBe(fx.metadata.score_range[0])
    expect(sample(metrics, 'scorer_floored_scores_total{tenant="acme",reason="nan"}')).toBe(
      body.scored,
    )
    expect(sample(metrics, 'scorer_scored_candidates_total{tenant="acme"}')).toBe(body.scored)
  })

  it('scores outside score_range are floored and counted; the others are untouched', async () => {
    // The same model twice: first with the default range, then with its upper bound at the median score, so
    // the range cuts through the outputs of this request.
    const store = await tempStore()
    cleanup.push(store.remove)
    await writeFixtureStore(store.dir, { items: 300, modelSeed: 4, release: 'r-wide' })
    const scorer = await scorerOn(store.dir)
    cleanup.push(() => scorer.close())
    const wide = RankResponse.parse(
      await (await rankCall(scorer.url, req, { deadlineMs: 10_000 })).json(),
    )
    const median = wide.items[Math.floor(wide.items.length / 2)]!.score
    const fx = await writeFixtureStore(store.dir, {
      items: 300,
      modelSeed: 4,
      release: 'r-narrow',
      scoreRange: [0, median],
    })
    await until(() => scorer.releases.current('acme')?.release === 'r-narrow')
    const body = RankResponse.parse(
      await (await rankCall(scorer.url, req, { deadlineMs: 10_000 })).json(),
    )
    const expected = body.items.map((it) => referenceScore(fx, req, it.item_id, it.sources))
    const nOut = expected.filter((e) => e.floored).length
    expect(nOut).toBeGreaterThan(body.items.length / 4)
    expect(nOut).toBeLessThan((body.items.length * 3) / 4)
    expect(body.floored).toBe(nOut)
    body.items.forEach((it, i) =>
      expect(Math.abs(it.score - expected[i]!.score)).toBeLessThan(1e-5),
    )
    const metrics = await (await fetch(`${scorer.url}/metrics`, AUTH)).text()
    expect(
      sample(metrics, 'scorer_floored_scores_total{tenant="acme",reason="out_of_range"}'),
    ).toBe(nOut)
  })

  it('applies the sigmoid calibration of the metadata before the guard', async () => {
    const calibration = { kind: 'sigmoid' as const, a: 3, b: -1.5 }
    const { fx, body } = await scorerFor({ calibration, modelSeed: 5 })
    expect(body.floored).toBe(0)
    for (const it of body.items) {
      const ref = referenceScore(fx, req, it.item_id, it.sources)
      expect(Math.abs(it.score - 1 / (1 + Math.exp(-(3 * ref.raw - 1.5))))).toBeLessThan(1e-5)
    }
  })
})
