/**
 * `npm run bench:pipeline`: the whole batch pipeline (`POST /v1/tenants/{t}/pipeline/run` with `publish: true`) in
 * the real control-plane process (PGlite on disk), publishing to a real local edge (wrangler's dev engine) and the
 * scorer store, on each dataset in turn:
 * - `ml`: MovieLens ml-latest-small from ../shared/datasets (target ≤ 2 min);
 * - `synthetic`: BENCH_ITEMS items (50,000), BENCH_USERS users (200,000), BENCH_PER_USER interactions per user (10):
 *   2M interactions (target ≤ 15 min, ≤ 8 GiB).
 * Reports wall time, the time of each step (from the progress stream), and the control plane's peak resident memory
 * (VmHWM of its process; a fresh process per dataset). Baseline in the same run: reading the same dataset and one
 * ALS training with the pipeline's parameters, in this process — the pipeline's single biggest learning step; the
 * ratio says what everything else (evaluation, slates, index, gates, registry, publish) costs on top.
 * Knobs: BENCH_DATASETS (ml,synthetic), BENCH_ITEMS, BENCH_USERS, BENCH_PER_USER, RECSYS_DATASETS_DIR.
 */
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { readMovieLensLatest } from '@recsys/trainer/data/movielens'
import { ALS_PARAMS, trainAls } from '@recsys/trainer/recommenders/als'
import { SYNTHETIC_START, syntheticDataset } from '@recsys/trainer/data/synthetic'
import { freePort } from '@recsys/dev/net/free-port'
import { startControlPlaneProcess } from '@recsys/dev/stack/control-plane'
import { startLocalEdge } from '../lib/local-edge'

const root = path.resolve(import.meta.dirname, '../..')
const DATASETS = (process.env.BENCH_DATASETS ?? 'ml,synthetic').split(',')
const ITEMS = Number(process.env.BENCH_ITEMS ?? 50_000)
const USERS = Number(process.env.BENCH_USERS ?? 200_000)
const PER_USER = Number(process.env.BENCH_PER_USER ?? 10)
const ML_DIR = path.join(
  process.env.RECSYS_DATASETS_DIR ?? path.join(root, '../shared/datasets'),
  'ml-latest-small',
)
const GIB = 1024 ** 3
const say = (m: string) => process.stderr.write(`${m}\n`)
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d

interface Row {
  dataset: string
  interactions: number
  wall_s: number
  steps: Array<{ step: string; s: number }>
  peak_rss_gib: number
  baseline_s: number
  ratio: number
  target: string
  met: boolean
  ndcg: Record<string, number>
}

/** Peak resident set of a process (VmHWM), in bytes. */
async function peakRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1]
  return kb ? Number(kb) * 1024 : NaN
}

/** The baseline: the dataset read (or generated) and ALS trained on it once, here, with the pipeline's params. */
async function baseline(name: string): Promise<number> {
  const t0 = performance.now()
  const data =
    name === 'ml'
      ? await readMovieLensLatest(ML_DIR)
      : syntheticDataset({
          seed: 42,
          start: SYNTHETIC_START,
          items: ITEMS,
          users: USERS,
          interactionsPerUser: PER_USER,
        })
  trainAls(data.interactions, { ...ALS_PARAMS, seed: 42 })
  return (performance.now() - t0) / 1000
}

async function runOne(name: string, edge: { url: string; token: string }, gateway: string) {
  const dir = await mkdtemp(path.join(os.tmpdir(), `recsys-bench-pipeline-${name}-`))
  const cp = await startControlPlaneProcess({
    env: {
      CONTROL_PLANE_PORT: String(await freePort()),
      RECSYS_DATA_DIR: dir,
      UPSTASH_REDIS_REST_URL: gateway,
      UPSTASH_REDIS_REST_TOKEN: 'bench-token',
      EDGE_URL: edge.url,
      EDGE_ADMIN_TOKEN: edge.token,
      // The MovieLens folder is read where it lies; the synthetic run is as large as the knobs ask.
      RECSYS_DATASET_ROOTS: path.dirname(ML_DIR),
      RECSYS_PIPELINE_MAX_INTERACTIONS: String(Math.max(2_000_000, USERS * PER_USER)),
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=8192`.trim(),
    },
    log: (line) => {
      if (/"msg":"error"/.test(line)) say(`  [control plane] ${line}`)
    },
  })
  try {
    const admin = (await readFile(cp.tokenFile, 'utf8')).trim()
    const tenant = `bench-${name}`
    const res = await fetch(`${cp.url}/v1/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: tenant, consent_default: 'personalized', reason: 'bench' }),
    })
    if (!res.ok) throw new Error(`tenant: ${res.status} ${await res.text()}`)
    const body =
      name === 'ml'
        ? { dataset: `movielens:${ML_DIR}` }
        : { dataset: 'synthetic', items: ITEMS, users: USERS, interactions_per_user: PER_USER }
    say(`${name}: pipeline run + publish`)
    const t0 = performance.now()
    const run = await fetch(`${cp.url}/v1/tenants/${tenant}/pipeline/run`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${admin}`,
        'content-type': 'application/json',
        accept: 'application/x-ndjson',
      },
      body: JSON.stringify({ ...body, publish: true, reason: 'bench' }),
    })
    if (!run.ok || !run.body) throw new Error(`pipeline: ${run.status} ${await run.text()}`)
    let report: Record<string, unknown> | undefined
    let buf = ''
    const decoder = new TextDecoder()
    for await (const chunk of run.body) {
      buf += decoder.decode(chunk, { stream: true })
      let i
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i)
        buf = buf.slice(i + 1)
        if (!line.trim()) continue
        const doc = JSON.parse(line) as Record<string, unknown>
        const at = (performance.now() - t0) / 1000
        if (typeof doc.progress === 'string')
          say(`  ${at.toFixed(1).padStart(6)} s  ${doc.progress}`)
        else if (doc.error) throw new Error(`pipeline failed: ${JSON.stringify(doc.error)}`)
        else report = (doc.result ?? doc) as Record<string, unknown>
      }
    }
    const wall = (performance.now() - t0) / 1000
    if (!report || !('published' in report)) throw new Error('the run did not publish')
    const peak = await peakRss(cp.pid)
    const dataset = report.dataset as { interactions: number }
    const evaluation = report.evaluation as { models: Record<string, { ndcg_at_10: number }> }
    return {
      wall,
      peak,
      interactions: dataset.interactions,
      steps: (report.steps as Array<{ step: string; ms: number }>).map((s) => ({
        step: s.step,
        s: round(s.ms / 1000),
      })),
      ndcg: Object.fromEntries(
        Object.entries(evaluation.models).map(([m, r]) => [m, r.ndcg_at_10]),
      ),
    }
  } finally {
    await cp.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

async function main() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'recsys-bench-pipeline-'))
  const stops: Array<() => Promise<unknown>> = []
  const rows: Row[] = []
  try {
    const local = await startLocalEdge({ persistTo: path.join(dir, 'wrangler'), say })
    stops.push(() => local.stop())
    for (const name of DATASETS) {
      if (name === 'ml' && !existsSync(path.join(ML_DIR, 'ratings.csv'))) {
        say(`skipping ml: ${ML_DIR} has no ratings.csv (set RECSYS_DATASETS_DIR)`)
        continue
      }
      if (name !== 'ml' && name !== 'synthetic') throw new Error(`unknown dataset ${name}`)
      say(`${name}: baseline (read + one ALS training, in this process)`)
      const base = await baseline(name)
      say(`  ${base.toFixed(1)} s`)
      const r = await runOne(name, local.edge, local.gateway.url)
      const limit = name === 'ml' ? { s: 120, gib: Infinity } : { s: 900, gib: 8 }
      rows.push({
        dataset: name === 'ml' ? 'ml-latest-small' : `synthetic ${ITEMS}/${USERS}`,
        interactions: r.interactions,
        wall_s: round(r.wall),
        steps: r.steps,
        peak_rss_gib: round(r.peak / GIB, 2),
        baseline_s: round(base),
        ratio: round(r.wall / base, 2),
        target: name === 'ml' ? '≤ 2 min' : '≤ 15 min, ≤ 8 GiB',
        met: r.wall <= limit.s && r.peak / GIB <= limit.gib,
        ndcg: r.ndcg,
      })
      say(`  ${name}: ${r.wall.toFixed(1)} s, peak ${(r.peak / GIB).toFixed(2)} GiB`)
    }
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined)
    await rm(dir, { recursive: true, force: true })
  }
  const md = [
    `| dataset | interactions | wall (publish included) | peak RSS | baseline: read + ALS | ratio | target | met |`,
    `| --- | --- | --- | --- | --- | --- | --- | --- |`,
    ...rows.map(
      (r) =>
        `| ${r.dataset} | ${r.interactions.toLocaleString('en-US')} | ${r.wall_s} s | ${r.peak_rss_gib} GiB | ${r.baseline_s} s | ${r.ratio}× | ${r.target} | ${r.met ? 'yes' : 'no'} |`,
    ),
    '',
    ...rows.flatMap((r) => [
      `${r.dataset} steps: ${r.steps.map((s) => `${s.step} ${s.s} s`).join(' · ')}`,
      `${r.dataset} NDCG@10: ${Object.entries(r.ndcg)
        .map(([m, v]) => `${m} ${v}`)
        .join(', ')}`,
      '',
    ]),
  ].join('\n')
  console.log(md)
  const out = path.join(root, 'bench/results')
  await mkdir(out, { recursive: true })
  await writeFile(path.join(out, 'pipeline.md'), md)
  await writeFile(path.join(out, 'pipeline.json'), JSON.stringify(rows, null, 2))
}

main().catch((e: unknown) => {
  console.error(e)
  process.exit(1)
})
