import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { expect, it } from 'vitest'
import { DATASETS_DIR, type openOperatorApi } from '../../test/operator-api'

type OperatorApi = Awaited<ReturnType<typeof openOperatorApi>>

const ML_SMALL = path.join(DATASETS_DIR, 'ml-latest-small')

/**
 * `POST /v1/tenants/{tenant}/pipeline/run` end to end, run inside the operator API suite (api.cases.ts) on its
 * control plane and edge: `get` gives the suite's harness once it is open.
 *
 * `everyCase`: the suite runs on two databases, and what a pipeline computes does not depend on which. Only the
 * synthetic run (registering and publishing a pipeline's outputs, the part that writes to the database) runs on
 * both; the MovieLens runs and the evaluation and champion-gate case run once, where `everyCase` is set.
 */
export function pipelineCases(
  get: () => Pick<OperatorApi, 'admin' | 'tokens' | 'call' | 'stack'> & { run: string },
  { everyCase }: { everyCase: boolean },
) {
  const once = it.runIf(everyCase)
  it.runIf(everyCase && existsSync(path.join(ML_SMALL, 'ratings.csv')))(
    'pipeline run on ml-latest-small: the served model beats popularity 1.5× on NDCG@10, publishes, and the edge serves it (needs ../shared/datasets)',
    async () => {
      const { admin, tokens, call, stack, run } = get()
      const id = `mls-${run}`
      const created = await call(admin, 'POST', '/v1/tenants', {
        id,
        consent_default: 'personalized',
      })
      expect(created.status).toBe(201)
      const r = await call(tokens.operator!, 'POST', `/v1/tenants/${id}/pipeline/run`, {
        dataset: `movielens:${ML_SMALL}`,
        publish: true,
        reason: 'e2e ml-latest-small',
      })
      expect(r.status, r.text).toBe(200)
      expect(r.json.dataset).toMatchObject({ items: 9742, users: 610, interactions: 100_836 })
      const models = r.json.evaluation.models
      expect(r.json.evaluation.split.users_evaluated).toBe(610)
      // The trained ranker serves (the scorer's `ranked` tier); EASE's top 100 are the cached slates (seed 42,
      // leave-last-5: EASE 0.0568, ALS 0.0508, item-kNN 0.0418, popularity 0.033).
      expect(r.json.evaluation).toMatchObject({ served_model: 'ranker', slate_model: 'ease' })
      expect(r.json.evaluation.baselines).toEqual(['popularity', 'ease'])
      expect(models.ranker.ndcg_at_10).toBeGreaterThanOrEqual(1.5 * models.popularity.ndcg_at_10)
      expect(models.ease.ndcg_at_10).toBeGreaterThanOrEqual(1.5 * models.popularity.ndcg_at_10)
      expect(models.als.ndcg_at_10).toBeGreaterThanOrEqual(1.5 * models.popularity.ndcg_at_10)
      // The registered ranker passed the parity gate and records the figures the champion gate compares.
      const model = r.json.artifacts.find((a: any) => a.kind === 'model')
      expect(model).toBeDefined()
      // User 1's ratings: nothing they rated comes back.
      const rated = new Set(
        (await readFile(path.join(ML_SMALL, 'ratings.csv'), 'utf8'))
          .split('\n')
          .filter((l) => l.startsWith('1,'))
          .map((l) => `m-${l.split(',')[1]}`),
      )
      expect(rated.size).toBe(232)
      const res = await fetch(
        `${stack.url}/v1/recommendations?surface=home_feed&user_id=u-1&limit=10`,
        { headers: { authorization: `Bearer ${created.json.api_key}` } },
      )
      const body = (await res.json()) as any
      expect(res.status).toBe(200)
      expect(body.metadata).toMatchObject({ release: r.json.published.release, degraded: false })
      expect(body.metadata.tier).toMatch(/^(ranked|edge_rescored|cached)$/)
      expect(body.items).toHaveLength(10)
      for (const it of body.items) expect(rated.has(it.item_id), it.item_id).toBe(false)
    },
    // A hang guard for minutes of CPU-bound training (ALS, two EASE inversions of ~5-6k items, the ranker, ONNX
    // export): on a loaded two-core machine the run took over the 180 s this once was.
    600_000,
  )

  once(
    'pipeline run on a MovieLens folder (ml-latest format) publishes; a folder of neither format is a 400',
    async () => {
      const { admin, tokens, call, stack, run } = get()
      const ml = `ml-${run}`
      const created = await call(admin, 'POST', '/v1/tenants', {
        id: ml,
        consent_default: 'personalized',
      })
      expect(created.status).toBe(201)
      // A small ml-latest-format dataset: 30 movies in 3 genres, 12 users rating within their genre.
      const dir = await mkdtemp(path.join(tmpdir(), 'ml-e2e-'))
      const genres = ['Comedy', 'Drama', 'Horror']
      await writeFile(
        path.join(dir, 'movies.csv'),
        'movieId,title,genres\n' +
          Array.from(
            { length: 30 },
            (_, m) => `${m + 1},"Movie ${m + 1}, The (2000)",${genres[m % 3]}`,
          ).join('\n') +
          '\n',
      )
      const rows: string[] = []
      for (let u = 1; u <= 12; u++)
        for (let k = 0; k < 8; k++) {
          const m = (u % 3) + 3 * ((u + k) % 10) + 1
          rows.push(`${u},${m},${(3 + (k % 3)).toFixed(1)},${964_000_000 + u * 1000 + k}`)
        }
      await writeFile(
        path.join(dir, 'ratings.csv'),
        'userId,movieId,rating,timestamp\n' + rows.join('\n') + '\n',
      )
      try {
        const r = await call(tokens.operator!, 'POST', `/v1/tenants/${ml}/pipeline/run`, {
          dataset: `movielens:${dir}`,
          publish: true,
          reason: 'e2e movielens',
        })
        expect(r.status, r.text).toBe(200)
        expect(r.json.dataset).toMatchObject({ items: 30, users: 12, interactions: 96 })
        expect(r.json.dataset.name).toBe(`movielens:${path.basename(dir)}`)
        const res = await fetch(
          `${stack.url}/v1/recommendations?surface=home_feed&user_id=u-1&limit=5`,
          {
            headers: { authorization: `Bearer ${created.json.api_key}` },
          },
        )
        const body = (await res.json()) as any
        expect(res.status).toBe(200)
        expect(body.metadata.release).toBe(r.json.published.release)
        expect(body.items.length).toBeGreaterThan(0)
        // MovieLens ids become m-<movieId>.
        for (const it of body.items) expect(it.item_id).toMatch(/^m-\d+$/)
        const bad = await call(tokens.operator!, 'POST', `/v1/tenants/${ml}/pipeline/run`, {
          dataset: `movielens:${path.join(dir, 'nope')}`,
          reason: 'e2e',
        })
        expect(bad.status).toBe(400)
        expect(bad.json.error.message).toMatch(/neither ratings\.csv/)
      } finally {
        await rm(dir, { recursive: true, force: true })
      }
    },
  )

  it('pipeline run on the synthetic dataset publishes a release the edge serves personalized', async () => {
    const { admin, tokens, call, stack, run } = get()
    const syn = `syn-${run}`
    const t = await call(admin, 'POST', '/v1/tenants', {
      id: syn,
      consent_default: 'personalized',
    })
    expect(t.status).toBe(201)
    const r = await call(tokens.operator!, 'POST', `/v1/tenants/${syn}/pipeline/run`, {
      items: 200,
      users: 40,
      publish: true,
      reason: 'e2e',
    })
    expect(r.status, r.text).toBe(200)
    expect(r.json.dataset).toMatchObject({ name: 'synthetic', items: 200, users: 40 })
    expect(r.json.artifacts.map((a: any) => a.kind).sort()).toEqual(
      [
        'consumed',
        'denylist',
        'edge_model',
        'fallback',
        'index',
        'model',
        'neighbors',
        'rules',
        'slates',
        'trending',
      ].sort(),
    )
    const res = await fetch(
      `${stack.url}/v1/recommendations?surface=home_feed&user_id=u-1&limit=5`,
      {
        headers: { authorization: `Bearer ${t.json.api_key}` },
      },
    )
    const body = (await res.json()) as any
    // The release carries an edge model; with no scorer configured here, the cached slate is re-scored at the edge.
    expect(body.metadata).toMatchObject({
      tier: 'edge_rescored',
      degraded: false,
      release: r.json.published.release,
    })
    expect(body.items).toHaveLength(5)
    // Same seed, same data: a second run registers nothing new.
    const again = await call(tokens.operator!, 'POST', `/v1/tenants/${syn}/pipeline/run`, {
      items: 200,
      users: 40,
      reason: 'e2e again',
    })
    expect(again.json.artifacts.every((a: any) => a.created === false)).toBe(true)
  })

  once(
    'eval reports every model against popularity; the champion gate refuses a regression (409) unless forced with a reason, audited',
    async () => {
      const { admin, tokens, call, run } = get()
      const gate = `gate-${run}`
      expect((await call(admin, 'POST', '/v1/tenants', { id: gate })).status).toBe(201)
      const op = tokens.operator!
      const url = (what: string) => `/v1/tenants/${gate}/pipeline/${what}`
      // Same generator, dataset name and split; the larger, sparser catalog scores far lower NDCG@10.
      const strong = { items: 100, users: 60, seed: 1 }
      const weak = { items: 1500, users: 30, seed: 2 }

      const first = await call(op, 'POST', url('eval'), strong)
      expect(first.status, first.text).toBe(200)
      const ev = first.json.evaluation
      expect(Object.keys(ev.models)).toEqual(
        expect.arrayContaining(['popularity', 'item2item', 'als']),
      )
      expect(ev.ratios.popularity.ndcg_at_10).toBe(1)
      expect(ev).toMatchObject({
        served_model: 'ranker',
        split: { description: 'leave-last-5', protocol: 'temporal' },
      })
      // The random protocol, with the ALS search: another split, recorded as such.
      const random = await call(op, 'POST', url('eval'), {
        ...strong,
        split: 'random',
        tune_als: true,
      })
      expect(random.status, random.text).toBe(200)
      expect(random.json.evaluation).toMatchObject({
        split: { description: 'random-75/25-seed-42', protocol: 'random' },
        baselines: ['popularity', 'ease'],
      })
      expect(random.json.evaluation.tuning.als.trials).toHaveLength(4)
      expect(first.json.champion).toMatchObject({ allowed: true, verdict: 'first_release' })
      // eval registers nothing.
      expect((await call(op, 'GET', `/v1/tenants/${gate}/artifacts`)).json.versions).toEqual([])

      const published = await call(op, 'POST', url('run'), { ...strong, publish: true })
      expect(published.status, published.text).toBe(200)
      expect(published.json.champion.verdict).toBe('first_release')
      expect(published.json.evaluation.models.ranker.ndcg_at_10).toBe(ev.models.ranker.ndcg_at_10)

      const predicted = await call(op, 'POST', url('eval'), weak)
      expect(predicted.json.champion).toMatchObject({
        allowed: false,
        verdict: 'refused',
        champion: { release: published.json.published.release },
      })
      const refused = await call(op, 'POST', url('run'), { ...weak, publish: true })
      expect(refused.status, refused.text).toBe(409)
      expect(refused.json.error.message).toMatch(
        /^CHAMPION_REGRESSION: refused: challenger ranker NDCG@10 0\.\d{4} vs live release/,
      )
      expect(refused.json.error.details[0]).toMatchObject({ check: 'champion_regression' })
      // The refused run registered its model: publishing it from the registry meets the same gate.
      const fromRegistry = await call(op, 'POST', `/v1/tenants/${gate}/releases`, {
        reason: 'by hand',
      })
      expect(fromRegistry.status, fromRegistry.text).toBe(409)
      expect(fromRegistry.json.error.message).toMatch(
        /^CHAMPION_REGRESSION: refused: challenger ranker/,
      )
      const noReason = await call(op, 'POST', url('run'), { ...weak, publish: true, force: true })
      expect(noReason.status).toBe(400)
      expect(noReason.json.error.message).toMatch(/force needs a reason/)

      const forced = await call(op, 'POST', url('run'), {
        ...weak,
        publish: true,
        force: true,
        reason: 'accepted drop',
      })
      expect(forced.status, forced.text).toBe(200)
      expect(forced.json.champion.verdict).toBe('forced')
      const audit = await call(
        op,
        'GET',
        `/v1/audit?tenant=${gate}&action=release.champion_override`,
      )
      expect(audit.json.entries).toHaveLength(1)
      expect(audit.json.entries[0]).toMatchObject({
        reason: 'pipeline: accepted drop',
        target: forced.json.published.release,
        before: {
          release: published.json.published.release,
          ndcg_at_10: ev.models.ranker.ndcg_at_10,
        },
        after: { ndcg_at_10: forced.json.evaluation.models.ranker.ndcg_at_10 },
      })
    },
    120_000,
  ) // a hang guard: several pipeline evals and runs of CPU-bound training, ~20 s when idle
}
