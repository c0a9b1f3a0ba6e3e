import { createHash } from 'node:crypto'
import { Redis } from '@upstash/redis'
import { EDGE_FEATURES, planRelease, r2Keys, redisKeys } from '@recsys/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { linearModel } from '@recsys/trainer/model/bundle'
import { startEdgeStack } from './edge-stack'

/**
 * The edge model under `wrangler dev` (wrangler's bundler and local engine, not the vitest pool): onnxruntime-web's
 * .wasm is bundled as a compiled module, and a release with an edge model in R2 serves `edge_rescored`.
 */
describe('edge_rescored under wrangler dev', () => {
  let stack: Awaited<ReturnType<typeof startEdgeStack>>
  const tenant = `er-${Math.random().toString(36).slice(2, 8)}`
  let apiKey = ''

  beforeAll(async () => {
    stack = await startEdgeStack()
    // score = category_affinity + 0.1 · rank_reciprocal: the session's category goes first.
    const model = linearModel(
      EDGE_FEATURES,
      { rank_reciprocal: 0.1, category_affinity: 1 },
      0,
      'none',
    )
    const sha256 = createHash('sha256').update(model.onnx).digest('hex')
    const put = await fetch(`${stack.edgeAdmin.url}/internal/r2/${r2Keys.blob(tenant, sha256)}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${stack.edgeAdmin.token}` },
      body: model.onnx,
    })
    expect(put.status).toBeLessThan(300)
    const ids = ['a', 'b', 'c', 'd']
    const plan = planRelease({
      tenant,
      release: 'r1',
      created_at: new Date().toISOString(),
      model_version: 'm1',
      rules_version: 'rules1',
      config: { tenant, surfaces: [{ id: 'home_feed', kind: 'personalized' }] },
      catalog: Object.fromEntries(ids.map((id, i) => [id, { categories: [`c${i}`] }])),
      catalog_shards: 1,
      denylist: [],
      rules: { default: { version: 'rules1', eligibility: { exclude_seen: true }, rerank: {} } },
      popular: [{ surface: 'home_feed', slate: { items: ids.map((item_id) => ({ item_id })) } }],
      user_slates: [
        {
          surface: 'home_feed',
          user_id: 'u1',
          slate: { items: ['a', 'b', 'c'].map((item_id, i) => ({ item_id, score: 3 - i })) },
        },
      ],
      anchored_slates: [],
      segments: [],
      edge_model: {
        sha256,
        size_bytes: model.onnx.byteLength,
        metadata: { ...model.metadata, score_range: [-10, 10] },
      },
    })
    await stack.edge.putJson([...plan.blobs, plan.manifest, plan.pointer])
    apiKey = await stack.apiKey(tenant)
    const redis = new Redis({ ...stack.redis, enableTelemetry: false })
    await redis.hset(redisKeys.profile(tenant, 'u.u1'), { consent: '1' })
  }, 120_000)
  afterAll(async () => {
    await stack?.stop()
  })

  it('re-scores the cached slate with onnxruntime-web in the bundled Worker', async () => {
    const res = await fetch(`${stack.url}/v1/recommendations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        surface: 'home_feed',
        subject: { user_id: 'u1' },
        context: { session_item_ids: ['c'] },
        limit: 3,
      }),
    })
    const json = (await res.json()) as any
    expect(res.status, JSON.stringify(json)).toBe(200)
    expect(json.metadata).toMatchObject({ tier: 'edge_rescored', degraded: false })
    expect(json.items.map((i: { item_id: string }) => i.item_id)).toEqual(['c', 'a', 'b'])
  })
})
