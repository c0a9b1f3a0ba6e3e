import { describe, expect, it } from 'vitest'
import { NO_MODEL } from '@recsys/shared'
import { createKey, newTenant, publish, seedUser } from './fixtures'
import { recommend } from './request'
import { lane, laneStats, scorerSpec } from './scorer-fixture'

const home = (user: string, extra: Record<string, unknown> = {}) => ({
  surface: 'home_feed',
  subject: { user_id: user },
  context: { session_item_ids: ['item-7', 'item-8'], country: 'FR' },
  limit: 10,
  ...extra,
})

/**
 * The ranked tier and a release whose manifest says it carries no ranker (`has.ranker` false): the edge does not ask
 * the scorer (its proxy lane counts the calls) and serves the precomputed slates, not degraded.
 */
describe('a release without a ranker (the evaluation chose a single model)', () => {
  it('serves its precomputed slates without calling the scorer, and is not degraded', async () => {
    const t = newTenant('no-ranker')
    const spec = scorerSpec()
    await publish({
      ...spec,
      tenant: t,
      release: `${t}-r1`,
      config: { ...spec.config, tenant: t },
      model_version: NO_MODEL,
    })
    const debugKey = await createKey(t, ['recommend', 'debug'])
    await seedUser(t, 'user-1', { consent: true })
    const e = await lane('no-ranker')
    const { status, json } = await recommend(debugKey, home('user-1', { debug: true }), e)
    expect(status).toBe(200)
    expect(json.metadata).toMatchObject({ tier: 'cached_user', degraded: false })
    expect(json.debug.tiers_tried[0]).toMatchObject({
      tier: 'ranked',
      status: 'skipped: release has no ranker',
    })
    expect((await laneStats('no-ranker')).requests).toBe(0)
  })
})
