import { SELF } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { r2Keys, redisKeys, type ReleaseSpec } from '@recsys/shared'
import { loadOnnx } from '../src/adapters/edge-model/ort'
import { sha256Hex } from '../src/util/sha256'
import {
  baseSpec,
  createKey,
  engage,
  envWith,
  newTenant,
  publish,
  redis,
  release,
  seedUser,
} from './fixtures'
import { waitForLog } from './log-reader'
import { until } from './poll'
import { recommend } from './request'
import { DEADLINE_MS, edgeModelBytes, fx, lane, laneStats, seedRecent } from './scorer-fixture'

/**
 * Tier `edge_rescored`: the user's cached slate re-scored in workerd by the release's edge model (onnxruntime-web,
 * real ONNX bytes from the artifact bucket). The fixture model scores `category_affinity + 0.1 · rank_reciprocal`,
 * so session items decide the order. The scorer is the real one behind the proxy, made to drop connections.
 *
 * u1's cached slate (baseSpec): i31 c2, i32 c3, i33 c0, i34 c1, i35 c2.
 */
const home = (session: string[], extra: Record<string, unknown> = {}) => ({
  surface: 'home_feed',
  subject: { user_id: 'u1' },
  context: { session_item_ids: session },
  limit: 5,
  ...extra,
})
const ids = (json: any): string[] => json.items.map((i: { item_id: string }) => i.item_id)

/** A release of `tenant` with the fixture's edge model, its bytes in the artifact bucket as a publish writes them. */
async function withEdgeModel(tenant: string): Promise<ReleaseSpec> {
  const model = edgeModelBytes()
  const sha256 = await sha256Hex(model)
  await env.ARTIFACT_BUCKET.put(r2Keys.blob(tenant, sha256), model)
  return baseSpec(tenant, {
    edge_model: { sha256, size_bytes: model.byteLength, metadata: fx.edgeModel.metadata },
    // The scorer cases assert why the ranked tier failed (the scorer is down); with the default 50 ms deadline a
    // loaded machine could spend it before the call ('no time left for the scorer'). Deadlines are tested in ranked.
    config: {
      tenant,
      surfaces: [
        { id: 'home_feed', kind: 'personalized', deadline_ms: DEADLINE_MS },
        { id: 'related_items', kind: 'item_anchored', deadline_ms: DEADLINE_MS },
      ],
    },
  })
}

describe('tier edge_rescored', () => {
  let tenant: string
  let key: string
  let debugKey: string
  const engaged: string[] = []
  beforeAll(async () => {
    tenant = newTenant('rescore')
    await publish(await withEdgeModel(tenant))
    key = await createKey(tenant)
    debugKey = await createKey(tenant, ['recommend', 'debug'])
    await seedUser(tenant, 'u1', { consent: true, segment: 'seg-a' })
  })
  afterAll(async () => {
    for (const name of engaged) await release(name)
  })

  it('serves the cached slate re-ordered by the edge model with session context (no scorer configured)', async () => {
    // Its own state, whatever ran before: nothing suppressed for u1 (the scorer-down case suppresses i31).
    await redis().del(redisKeys.suppressedItems(tenant, 'u.u1'))
    const c3 = await recommend(debugKey, home(['i4'], { debug: true })) // i4 is in c3
    expect(c3.json.metadata).toMatchObject({ tier: 'edge_rescored', degraded: false })
    expect(ids(c3.json)).toEqual(['i32', 'i31', 'i33', 'i34', 'i35'])
    const scores = c3.json.debug.items.map((i: any) => i.score)
    expect(scores[0]).toBeCloseTo(1 + 0.1 / 2, 5)
    expect(scores[1]).toBeCloseTo(0.1, 5)

    const c2 = await recommend(key, home(['i3'])) // i3 is in c2
    expect(ids(c2.json)).toEqual(['i31', 'i35', 'i32', 'i33', 'i34'])
  })

  it('recent items of user state count as history too', async () => {
    const t = newTenant('rescore-recent')
    await publish(await withEdgeModel(t))
    const k = await createKey(t)
    await seedUser(t, 'u1', { consent: true })
    await seedRecent(t, 'u1', ['i2']) // i2 is in c1
    const { json } = await recommend(k, home([]))
    expect(json.metadata.tier).toBe('edge_rescored')
    expect(ids(json)[0]).toBe('i34')
  })

  it('serves with the scorer down, degraded, with the spine’s filters applied', async () => {
    const e = await lane('rescore-down', { mode: 'down' })
    await seedUser(tenant, 'u1', { suppressedItems: ['i31'] })
    const { json } = await recommend(debugKey, home(['i3'], { debug: true }), e)
    expect(json.metadata).toMatchObject({ tier: 'edge_rescored', degraded: true })
    expect(json.debug.tiers_tried[0].status).toMatch(/^failed: scorer: connection error/)
    expect(ids(json).slice(0, 4)).toEqual(['i35', 'i32', 'i33', 'i34'])
    expect(ids(json)).not.toContain('i31')
    expect((await laneStats('rescore-down')).requests).toBe(1)
  })

  it('bytes that do not match the manifest’s sha256 are never run: next tier, degraded', async () => {
    // A manifest naming a model this isolate has not loaded, whose object holds other bytes (sessions are cached
    // by content, so the good model's sha would not be read again).
    const t = newTenant('rescore-bad')
    const model = edgeModelBytes()
    const named = await sha256Hex(new TextEncoder().encode('another model'))
    await env.ARTIFACT_BUCKET.put(r2Keys.blob(t, named), model)
    await publish(
      baseSpec(t, {
        edge_model: {
          sha256: named,
          size_bytes: model.byteLength,
          metadata: fx.edgeModel.metadata,
        },
      }),
    )
    const k = await createKey(t, ['recommend', 'debug'])
    await seedUser(t, 'u1', { consent: true })
    const { json } = await recommend(k, home(['i4'], { debug: true }))
    expect(json.metadata).toMatchObject({ tier: 'cached_user', degraded: true })
    expect(json.debug.tiers_tried[1].status).toMatch(/^failed: .*has sha256/)
    expect(ids(json)).toEqual(['i31', 'i32', 'i33', 'i34', 'i35'])
  })

  it('edge model outputs out of its score range score as the floor, and the decision record counts them', async () => {
    const t = newTenant('rescore-floor')
    const spec = await withEdgeModel(t)
    // The fixture model's outputs are >= 0: a range below 0 puts every one of them out of range.
    spec.edge_model!.metadata = { ...spec.edge_model!.metadata, score_range: [-2, -1] }
    await publish(spec)
    await seedUser(t, 'u1', { consent: true })
    const k = await createKey(t)
    const res = await SELF.fetch('https://edge.test/v1/recommendations', {
      method: 'POST',
      headers: { authorization: `Bearer ${k}`, 'content-type': 'application/json' },
      body: JSON.stringify(home(['i33'])),
    })
    const json = (await res.json()) as any
    expect(json.metadata.tier).toBe('edge_rescored')
    // All at the floor: the stable sort keeps the cached slate's order (the session item would have lifted i33).
    expect(ids(json)).toEqual(['i31', 'i32', 'i33', 'i34', 'i35'])
    const [rec] = await waitForLog(`${t}/`, (recs) => recs.length > 0)
    expect(rec.floored).toEqual({ edge_model: { nan: 0, out_of_range: 5 } })
  })

  it('a disposed session finishes the runs already queued, then refuses new ones', async () => {
    const [input] = fx.edgeModel.metadata.feature_schema.inputs
    const [output] = fx.edgeModel.metadata.feature_schema.outputs
    const m = await loadOnnx(edgeModelBytes(), { input: input!.name, output: output!.name })
    const width = input!.dims[input!.dims.length - 1] as number
    const queued = m.run(new Float32Array(3 * width).fill(0.5), 3, width)
    const disposed = m.dispose()
    expect(await queued).toHaveLength(3)
    await disposed
    await expect(m.run(new Float32Array(width), 1, width)).rejects.toThrow('disposed')
  })

  it('needs personalization and user state', async () => {
    const np = await recommend(
      debugKey,
      home(['i4'], { debug: true, privacy_mode: 'contextual_only' }),
    )
    expect(np.json.debug.tiers_tried[1]).toMatchObject({
      tier: 'edge_rescored',
      status: 'skipped: privacy mode contextual_only',
    })
    const down = envWith({ UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:9' })
    const nostate = await recommend(debugKey, home(['i4'], { debug: true }), down)
    expect(nostate.json.metadata.tier).toBe('global_popular')
    expect(nostate.json.debug.tiers_tried[1].status).toMatch(
      /skipped: (user state unavailable|privacy)/,
    )
  })

  it('kill switch edge.edge_model skips it: cached_user serves the slate in its own order', async () => {
    const name = `tenant:${tenant}:edge.edge_model`
    // Its own state, whatever ran before: i31 suppressed (as the scorer-down case leaves it).
    await seedUser(tenant, 'u1', { suppressedItems: ['i31'] })
    engaged.push(name)
    await engage(name)
    let json: any
    // Polled: the switch shows once the isolate's switch cache expires.
    await until(async () => {
      json = (await recommend(debugKey, home(['i4'], { debug: true }))).json
      return json.metadata.tier === 'cached_user'
    })
    expect(json.metadata).toMatchObject({ tier: 'cached_user', degraded: false })
    expect(json.debug.tiers_tried[1]).toMatchObject({
      tier: 'edge_rescored',
      status: 'skipped: kill switch edge.edge_model',
    })
    expect(ids(json).slice(0, 3)).toEqual(['i32', 'i33', 'i34']) // i31 suppressed
    await release(name)
    // Gone from the isolate's switch cache before the next test reads the ladder.
    await until(
      async () =>
        (await recommend(debugKey, home(['i4'], { debug: true }))).json.debug.tiers_tried[1]
          ?.status !== 'skipped: kill switch edge.edge_model',
    )
  })
})
