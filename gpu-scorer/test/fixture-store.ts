import { createHash, randomUUID } from 'node:crypto'
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { buildModelBundle, buildMlp, type Mlp } from '@recsys/trainer/model'
import {
  encodeIndexBundle,
  RANKER_FEATURES,
  seededRandom,
  type ArtifactKind,
  type CatalogFile,
  type FallbackFile,
  type ModelMetadata,
  type NeighborsFile,
  type ScorerReleaseManifest,
  type SurfaceConfig,
  type TrendingFile,
} from '@recsys/shared'
import hnswlib from 'hnswlib-node'
import type { z } from 'zod'

/**
 * A complete scorer store for one tenant, written the way the control plane's `LocalScorerStore` writes it:
 * `<root>/<tenant>/blobs/<sha256>`, `<root>/<tenant>/releases/<release>.json`, then `<root>/<tenant>/current.json`.
 * Real artifacts: an HNSW index built with hnswlib-node over seeded embeddings (plus user vectors), and an ONNX
 * ranker from `buildModelBundle` over RANKER_FEATURES. Reusable by other packages' tests (the edge's globalSetup
 * seeds a scorer with it) and by the benchmark.
 */
export interface FixtureStoreOptions {
  tenant?: string
  release?: string
  /** Seed of the data (vectors, catalog, lists). */
  seed?: number
  /** Seed of the model weights (two releases with different model seeds score differently). */
  modelSeed?: number
  items?: number
  users?: number
  dims?: number
  /** Neighbours per item in the `neighbors` file. */
  neighbors?: number
  trending?: number
  /** Length of each surface's fallback (popular) list. */
  fallback?: number
  /** Hidden layer widths of the ranker (default [16]; wide layers make a slow model). */
  hidden?: number[]
  /** Every output of the model is NaN (its output bias is NaN). */
  nanModel?: boolean
  calibration?: ModelMetadata['calibration']
  scoreRange?: [number, number]
  /** Kinds left out of the release (never the model). */
  omit?: ArtifactKind[]
  /** Write current.json (default true). */
  flip?: boolean
  /** Eligibility traps in the catalog and denylist (default true): see {@link FixtureStore.traps}. */
  traps?: boolean
  /** Each user's consumed items (by bare user id), written as a `consumed` artifact; none by default. */
  consumed?: Record<string, string[]>
}

export interface FixtureStore {
  root: string
  tenant: string
  release: string
  model_version: string
  index_version: string | null
  mlp: Mlp
  metadata: ModelMetadata
  /** Item ids; item i is HNSW label i. */
  items: string[]
  /** User ids of the index (subjects are `u.<id>`). */
  users: string[]
  dims: number
  itemVectors: Map<string, Float32Array>
  userVectors: Map<string, Float32Array>
  catalog: CatalogFile['items']
  neighbors: NeighborsFile['items']
  trending: TrendingFile
  fallback: FallbackFile
  denylist: string[]
  surfaces: SurfaceConfig[]
  /** Items that must never come back: unavailable, denylisted, allowed only in `DE`. */
  traps: { unavailable: string[]; denied: string[]; onlyInDE: string[] }
}

export const FIXTURE_SURFACES: SurfaceConfig[] = [
  { id: 'home_feed', kind: 'personalized', deadline_ms: 50, rules: 'default' },
  { id: 'related_items', kind: 'item_anchored', deadline_ms: 50, rules: 'default' },
]

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')

async function atomicWrite(file: string, data: string | Uint8Array) {
  await mkdir(path.dirname(file), { recursive: true })
  const tmp = `${file}.${process.pid}.${randomUUID()}.tmp`
  await writeFile(tmp, data)
  await rename(tmp, file)
}

/** Points the tenant's current.json at `release` (the publish flip). */
export async function flipFixtureRelease(root: string, tenant: string, release: string) {
  await atomicWrite(
    path.join(root, tenant, 'current.json'),
    JSON.stringify({ release, updated_at: new Date().toISOString() }),
  )
}

/** Builds an HNSW index over the rows with hnswlib-node and returns the bytes `writeIndex` wrote. */
async function buildHnsw(
  space: 'ip' | 'l2' | 'cosine',
  dims: number,
  rows: Float32Array,
  count: number,
  seed: number,
) {
  const index = new hnswlib.HierarchicalNSW(space, dims)
  index.initIndex({ maxElements: Math.max(1, count), m: 16, efConstruction: 100, randomSeed: seed })
  for (let i = 0; i < count; i++)
    index.addPoint(Array.from(rows.subarray(i * dims, (i + 1) * dims)), i)
  const file = path.join(os.tmpdir(), `fixture-${randomUUID()}.hnsw`)
  try {
    await index.writeIndex(file)
    return new Uint8Array(await readFile(file))
  } finally {
    await unlink(file).catch(() => undefined)
  }
}

/** Writes a complete release for a tenant under `root` and (by default) flips the tenant's pointer to it. */
export async function writeFixtureStore(
  root: string,
  opts: FixtureStoreOptions = {},
): Promise<FixtureStore> {
  const tenant = opts.tenant ?? 'acme'
  const seed = opts.seed ?? 1
  const modelSeed = opts.modelSeed ?? seed
  const release = opts.release ?? `r-fixture-${seed}-${modelSeed}${opts.nanModel ? '-nan' : ''}`
  const nItems = opts.items ?? 500
  const nUsers = opts.users ?? 50
  const dims = opts.dims ?? 16
  const traps = opts.traps ?? true
  const omit = new Set(opts.omit ?? [])
  const rand = seededRandom(seed)
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand())

  const items = Array.from({ length: nItems }, (_, i) => `item-${i}`)
  const users = Array.from({ length: nUsers }, (_, i) => `user-${i}`)
  const unitRows = (n: number) => {
    const m = new Float32Array(n * dims)
    for (let r = 0; r < n; r++) {
      let norm = 0
      for (let d = 0; d < dims; d++) {
        const v = gauss()
        m[r * dims + d] = v
        norm += v * v
      }
      for (let d = 0; d < dims; d++) m[r * dims + d]! /= Math.sqrt(norm) || 1
    }
    return m
  }
  const itemRows = unitRows(nItems)
  const userRows = unitRows(nUsers)
  const itemVectors = new Map(
    items.map((id, i) => [id, itemRows.subarray(i * dims, (i + 1) * dims)]),
  )
  const userVectors = new Map(
    users.map((id, i) => [id, userRows.subarray(i * dims, (i + 1) * dims)]),
  )

  const trapSet = {
    unavailable: traps ? items.filter((_, i) => i % 37 === 5) : [],
    denied: traps ? items.filter((_, i) => i % 53 === 7) : [],
    onlyInDE: traps ? items.filter((_, i) => i % 41 === 3) : [],
  }
  const now = Date.now()
  const catalog: CatalogFile['items'] = {}
  items.forEach((id, i) => {
    catalog[id] = {
      available: !trapSet.unavailable.includes(id),
      categories: [`cat-${i % 8}`, ...(i % 5 === 0 ? [`cat-${(i + 3) % 8}`] : [])],
      ...(trapSet.onlyInDE.includes(id) ? { regions_allowed: ['DE'] } : {}),
      min_age: 0,
      published_at: now - Math.floor(rand() * 400) * 86_400_000,
      sponsored: false,
      safe: true,
    }
  })
  const pick = () => items[Math.floor(rand() * nItems)]!
  const neighbors: NeighborsFile['items'] = {}
  const perItem = Math.min(opts.neighbors ?? 20, nItems - 1)
  for (const id of items) {
    const seen = new Set([id])
    const list = []
    while (list.length < perItem) {
      const n = pick()
      if (seen.has(n)) continue
      seen.add(n)
      list.push({
        item_id: n,
        score: Math.round((0.95 - list.length * 0.02 - rand() * 0.01) * 1e4) / 1e4,
      })
    }
    neighbors[id] = list
  }
  const distinct = (n: number) => {
    const out = new Set<string>()
    while (out.size < Math.min(n, nItems)) out.add(pick())
    return [...out]
  }
  const trending: TrendingFile = {
    items: distinct(opts.trending ?? 100).map((item_id, k) => ({ item_id, score: 1000 / (k + 1) })),
    generated_at: new Date(now).toISOString(),
  }
  const fallback: FallbackFile = {
    lists: FIXTURE_SURFACES.map((s) => ({
      surface: s.id,
      slate: { items: distinct(opts.fallback ?? 200).map((item_id) => ({ item_id })) },
    })),
  }

  const space = 'ip' as const
  const hnsw = await buildHnsw(space, dims, itemRows, nItems, seed)
  const indexBytes = encodeIndexBundle({
    space,
    dims,
    items,
    itemVectors: itemRows,
    users,
    userVectors: userRows,
    hnsw,
    hnswParams: { m: 16, ef_construction: 100 },
  })

  const hidden = opts.hidden ?? [16]
  let mlp = buildMlp({ inputDim: RANKER_FEATURES.length, hidden, seed: modelSeed })
  if (opts.nanModel) {
    const last = mlp.layers[mlp.layers.length - 1]!
    mlp = { layers: [...mlp.layers.slice(0, -1), { ...last, bias: last.bias.map(() => NaN) }] }
  }
  const bundle = buildModelBundle({
    features: RANKER_FEATURES,
    hidden,
    seed: modelSeed,
    mlp,
    calibration: opts.calibration,
  })
  const metadata: ModelMetadata = {
    ...bundle.metadata,
    ...(opts.scoreRange ? { score_range: opts.scoreRange } : {}),
  }

  const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v))
  const sources: Array<{ kind: ArtifactKind; name: string; bytes: Uint8Array; metadata: object }> =
    [
      { kind: 'model', name: 'ranker', bytes: bundle.onnx, metadata },
      { kind: 'catalog', name: 'catalog', bytes: enc({ items: catalog }), metadata: {} },
      { kind: 'fallback', name: 'popular', bytes: enc(fallback), metadata: {} },
      { kind: 'neighbors', name: 'i2i', bytes: enc({ items: neighbors }), metadata: {} },
      { kind: 'trending', name: 'trending', bytes: enc(trending), metadata: {} },
      { kind: 'index', name: 'ann', bytes: indexBytes, metadata: { space, dims, count: nItems } },
      ...(opts.consumed
        ? [
            {
              kind: 'consumed' as const,
              name: 'history',
              bytes: enc({
                max_per_user: Math.max(1, ...Object.values(opts.consumed).map((l) => l.length)),
                users: opts.consumed,
              }),
              metadata: {},
            },
          ]
        : []),
    ]
  const kept = sources.filter((s) => s.kind === 'model' || !omit.has(s.kind))
  const files: z.input<typeof ScorerReleaseManifest>['files'] = []
  for (const s of kept) {
    const sha = sha256(s.bytes)
    const dest = path.join(root, tenant, 'blobs', sha)
    await atomicWrite(dest, s.bytes)
    files.push({
      kind: s.kind,
      name: s.name,
      sha256: sha,
      path: `blobs/${sha}`,
      metadata: s.metadata as Record<string, unknown>,
    })
  }
  const modelSha = files.find((f) => f.kind === 'model')!.sha256
  const model_version = `ranker@${modelSha.slice(0, 12)}`
  const denylist = [...trapSet.denied]
  const manifest: z.input<typeof ScorerReleaseManifest> = {
    tenant,
    release,
    model_version,
    denylist,
    surfaces: FIXTURE_SURFACES,
    files,
  }
  await atomicWrite(
    path.join(root, tenant, 'releases', `${release}.json`),
    JSON.stringify(manifest, null, 2),
  )
  if (opts.flip ?? true) await flipFixtureRelease(root, tenant, release)
  return {
    root,
    tenant,
    release,
    model_version,
    index_version: files.find((f) => f.kind === 'index')?.sha256 ?? null,
    mlp,
    metadata,
    items,
    users,
    dims,
    itemVectors,
    userVectors,
    catalog,
    neighbors,
    trending,
    fallback,
    denylist,
    surfaces: FIXTURE_SURFACES,
    traps: trapSet,
  }
}
