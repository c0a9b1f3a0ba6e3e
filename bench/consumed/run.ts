/**
 * `npm run bench:consumed`: what the `consumed` artifact costs the scorer (docs/relevance-serving.md). For each
 * dataset it builds the artifact as the pipeline does (each user's newest `CONSUMED_PER_USER` items), then loads it
 * as the scorer does (JSON.parse, the zod schema, `ConsumedSets`) and reports the artifact's bytes, the load time, the
 * heap the loaded sets keep, and the transient heap of the parse. Baseline in the same run: the same history as a
 * `Map<user, Set<item>>`, the plain representation, whose retained heap the ratio compares against.
 * Datasets (BENCH_DATASETS, default all):
 * - `ml`: MovieLens ml-latest-small from ../shared/datasets, every rating;
 * - `synthetic`: the large tenant of `bench:pipeline`, BENCH_USERS users (200,000) × BENCH_PER_USER distinct items
 *   (10) over BENCH_ITEMS items (50,000), Zipf-like popularity: 2M pairs;
 * - `heavy`: the same users with a long-tailed history (log-normal, mean BENCH_HEAVY_MEAN = 50 items, some users
 *   past the bound): ~10M pairs before the bound.
 * Heap figures need `--expose-gc` (the npm script passes it).
 */
import path from 'node:path'
import { ConsumedFile, seededRandom } from '@recsys/shared'
import { CONSUMED_PER_USER, consumedFile } from '@recsys/trainer/artifacts/consumed'
import { readMovieLensLatest } from '@recsys/trainer/data/movielens'
import { ConsumedSets } from '../../gpu-scorer/src/artifacts/consumed-sets'

const root = path.resolve(import.meta.dirname, '../..')
const DATASETS = (process.env.BENCH_DATASETS ?? 'ml,synthetic,heavy').split(',')
const USERS = Number(process.env.BENCH_USERS ?? 200_000)
const ITEMS = Number(process.env.BENCH_ITEMS ?? 50_000)
const PER_USER = Number(process.env.BENCH_PER_USER ?? 10)
const HEAVY_MEAN = Number(process.env.BENCH_HEAVY_MEAN ?? 50)
const ML_DIR = path.join(
  process.env.RECSYS_DATASETS_DIR ?? path.join(root, '../shared/datasets'),
  'ml-latest-small',
)
const MIB = 1024 ** 2
const say = (m: string) => process.stderr.write(`${m}\n`)
const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('run with --expose-gc (npm run bench:consumed does)')

/** Heap in use, after a full collection, in bytes (typed arrays' buffers included). */
function settled(): number {
  gc!()
  gc!()
  const m = process.memoryUsage()
  return m.heapUsed + m.arrayBuffers
}

/** A synthetic history: `count(u)` distinct items per user, item k drawn with weight ~ 1/(k+1) (Zipf-like). */
function synthetic(users: number, items: number, count: (rand: () => number) => number) {
  const rand = seededRandom(42)
  const out: Record<string, string[]> = {}
  for (let u = 0; u < users; u++) {
    const n = Math.min(items, Math.max(1, count(rand)))
    const mine = new Set<string>()
    while (mine.size < n) mine.add(`item-${Math.floor(items ** rand()) - 1}`)
    // Newest first, bounded: what `consumedFile` keeps of a longer history.
    out[`user-${u}`] = [...mine].slice(0, CONSUMED_PER_USER)
  }
  return { max_per_user: CONSUMED_PER_USER, users: out }
}

async function dataset(name: string): Promise<{ file: ConsumedFile; before: number }> {
  if (name === 'ml') {
    const data = await readMovieLensLatest(ML_DIR)
    return { file: consumedFile(data.interactions), before: data.interactions.length }
  }
  const gauss = (rand: () => number) =>
    Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand())
  let before = 0
  const count =
    name === 'synthetic'
      ? () => PER_USER
      : // log-normal with mean HEAVY_MEAN (σ = 1.2): a long tail of heavy users
        (rand: () => number) =>
          Math.round(Math.exp(Math.log(HEAVY_MEAN) - 0.72 + 1.2 * gauss(rand)))
  const file = synthetic(USERS, ITEMS, (rand) => {
    const n = count(rand)
    before += Math.min(ITEMS, Math.max(1, n))
    return n
  })
  return { file, before }
}

interface Row {
  dataset: string
  users: number
  pairsBefore: number
  pairs: number
  bounded: number
  artifactMiB: number
  parseMs: number
  buildMs: number
  transientMiB: number
  setsMiB: number
  baselineMiB: number
  hasNs: number
  plainHasNs: number
}

// Warm-up: zod's and V8's first-use allocations are not the artifact's.
new ConsumedSets(ConsumedFile.parse({ max_per_user: 1, users: { u: ['i'] } })).of('u').has('i')

const rows: Row[] = []
for (const name of DATASETS) {
  say(`${name}: building the artifact`)
  const { file, before } = await dataset(name)
  const text = JSON.stringify(file)
  const bounded = Object.values(file.users).filter((l) => l.length >= file.max_per_user).length
  say(`${name}: ${(text.length / MIB).toFixed(1)} MiB of JSON; loading it as the scorer does`)
  // Each representation is measured from the JSON text alone: what it retains once the parsed file is garbage.
  let base = settled()
  const t0 = performance.now()
  let parsed: ConsumedFile | undefined = ConsumedFile.parse(JSON.parse(text))
  const t1 = performance.now()
  const transient = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers - base
  const sets = new ConsumedSets(parsed)
  const t2 = performance.now()
  parsed = undefined
  const setsBytes = settled() - base
  base = settled()
  let again: ConsumedFile | undefined = ConsumedFile.parse(JSON.parse(text))
  const plain = new Map(Object.entries(again.users).map(([u, items]) => [u, new Set(items)]))
  again = undefined
  const plainBytes = settled() - base
  if (plain.size !== sets.users) throw new Error('the baseline lost users')
  // Membership: each user's newest item and one item nobody has, over at least 2M lookups, against the baseline's
  // Set.has on the same lookups (this machine is shared: the ratio, not the ns, is the figure).
  const lookups = [...plain].map(([u, items]) => [u, items.values().next().value!] as const)
  const rounds = Math.max(1, Math.ceil(1e6 / lookups.length))
  const time = (has: (u: string, item: string) => boolean) => {
    let hits = 0
    const t = performance.now()
    for (let k = 0; k < rounds; k++)
      for (const [u, item] of lookups) {
        if (has(u, item)) hits++
        if (has(u, 'item-none')) hits--
      }
    if (hits !== rounds * lookups.length) throw new Error(`membership is wrong: ${hits}`)
    return ((performance.now() - t) * 1e6) / (2 * rounds * lookups.length)
  }
  const hasNs = time((u, item) => sets.of(u).has(item))
  const plainHasNs = time((u, item) => plain.get(u)?.has(item) === true)
  rows.push({
    dataset: name,
    users: sets.users,
    pairsBefore: before,
    pairs: sets.pairs,
    bounded,
    artifactMiB: text.length / MIB,
    parseMs: t1 - t0,
    buildMs: t2 - t1,
    transientMiB: transient / MIB,
    setsMiB: setsBytes / MIB,
    baselineMiB: plainBytes / MIB,
    hasNs,
    plainHasNs,
  })
  say(`${name}: done`)
}

const f = (x: number, d = 1) => x.toLocaleString('en-US', { maximumFractionDigits: d })
console.log(
  '| dataset | users | pairs (bounded) | users at the bound | artifact MiB | parse + schema ms | build ms | ' +
    'parse transient MiB | ConsumedSets MiB | bytes/pair | Map<Set> MiB (baseline) | ratio | has() ns (baseline) |',
)
console.log('|' + ' --- |'.repeat(13))
for (const r of rows)
  console.log(
    `| ${r.dataset} | ${f(r.users)} | ${f(r.pairs)} (of ${f(r.pairsBefore)}) | ${f(r.bounded)} | ` +
      `${f(r.artifactMiB)} | ${f(r.parseMs, 0)} | ${f(r.buildMs, 0)} | ${f(r.transientMiB)} | ` +
      `${f(r.setsMiB, 2)} | ${f((r.setsMiB * MIB) / r.pairs)} | ${f(r.baselineMiB)} | ` +
      `${f(r.setsMiB / r.baselineMiB, 3)} | ${f(r.hasNs, 0)} (${f(r.plainHasNs, 0)}) |`,
  )
