import {
  CatalogFile,
  ConsumedFile,
  FallbackFile,
  listSignals,
  NeighborsFile,
  TrendingFile,
  type ArtifactKind,
  type CatalogFlags,
  type ScorerFile,
  type ScorerReleaseManifest,
  type SlateEntry,
  type SurfaceConfig,
} from '@recsys/shared'
import type { z } from 'zod'
import type { ExecutionProviderChoice, InferenceThreadChoice } from '../config'
import { ItemSignalTable } from '../features/item-signals'
import { BatchedModel, type BatchedModelOptions } from '../ranking/batched-model'
import { PrefilterVerdicts } from '../retrieval/prefilter'
import { loadAnnIndex, type AnnIndex } from './ann-index'
import { ConsumedSets } from './consumed-sets'
import type { ArtifactStore } from './artifact-store'
import { loadRankerModel } from './ranker-model'

/** Everything one release gives the scorer, in memory, immutable once loaded. */
export interface LoadedRelease {
  tenant: string
  release: string
  model_version: string
  /** The sha256 of the index file, or null without one. */
  index_version: string | null
  /** Empty: the manifest lists no surfaces, and any surface is accepted. */
  surfaces: ReadonlyMap<string, SurfaceConfig>
  /** The release denylist with folded tombstones. */
  denied: ReadonlySet<string>
  catalog: ReadonlyMap<string, CatalogFlags>
  neighbors: ReadonlyMap<string, readonly SlateEntry[]>
  trending: readonly SlateEntry[]
  /** The fallback (popular) list of each surface: the editorial source. */
  editorial: ReadonlyMap<string, readonly SlateEntry[]>
  /** Trending in [0, 1] by score (shared `listSignals`). */
  trendingSignal: ReadonlyMap<string, number>
  /** Popularity in [0, 1] by rank of the surface's fallback list (shared `listSignals`). */
  popularity: ReadonlyMap<string, ReadonlyMap<string, number>>
  index: AnnIndex | undefined
  /** Each user's consumed items (the `consumed` artifact; empty without one): `exclude_consumed` drops them. */
  consumed: ConsumedSets
  /** Per-item ranker signals, memoized per surface's popular list. */
  signals: ItemSignalTable
  /** The pre-filter's memoized eligibility verdicts of region-neutral items. */
  prefilterVerdicts: PrefilterVerdicts
  model: BatchedModel
  /** Frees the model session; only once no request holds the release. */
  dispose(): Promise<void>
}

export interface LoadReleaseOptions extends BatchedModelOptions {
  provider: ExecutionProviderChoice
  /** Where inference runs (default `auto`: measured per model at load). */
  inferenceThread?: InferenceThreadChoice
}

const fileOf = (m: ScorerReleaseManifest, kind: ArtifactKind): ScorerFile | undefined =>
  m.files.find((f) => f.kind === kind)

async function jsonFile<S extends z.ZodType>(
  store: ArtifactStore,
  m: ScorerReleaseManifest,
  kind: ArtifactKind,
  schema: S,
): Promise<z.infer<S> | undefined> {
  const f = fileOf(m, kind)
  if (!f) return undefined
  const bytes = await store.blob(m.tenant, f)
  const r = schema.safeParse(JSON.parse(new TextDecoder().decode(bytes)))
  if (!r.success)
    throw new Error(`${kind}/${f.name}@${f.sha256.slice(0, 12)}: ${r.error.issues[0]?.message}`)
  return r.data
}

/** Reads a release's manifest and files and builds it in memory. Any file but the model may be missing. */
export async function loadRelease(
  store: ArtifactStore,
  tenant: string,
  release: string,
  opts: LoadReleaseOptions,
): Promise<LoadedRelease> {
  const m = await store.manifest(tenant, release)
  const modelFile = fileOf(m, 'model')
  if (!modelFile) throw new Error(`release ${tenant}/${release} has no model`)
  const [catalog, fallback, neighbors, trending, consumed] = await Promise.all([
    jsonFile(store, m, 'catalog', CatalogFile),
    jsonFile(store, m, 'fallback', FallbackFile),
    jsonFile(store, m, 'neighbors', NeighborsFile),
    jsonFile(store, m, 'trending', TrendingFile),
    jsonFile(store, m, 'consumed', ConsumedFile),
  ])
  const indexFile = fileOf(m, 'index')
  const index = indexFile ? await loadAnnIndex(await store.blob(tenant, indexFile)) : undefined
  const model = await loadRankerModel(
    await store.blob(tenant, modelFile),
    modelFile.metadata,
    opts.provider,
    opts.inferenceThread,
  )
  const editorial = new Map<string, SlateEntry[]>()
  // The default list of a surface (no variant) wins over variants' lists.
  for (const l of fallback?.lists ?? [])
    if (!editorial.has(l.surface) || l.variant === undefined)
      editorial.set(l.surface, l.slate.items)
  const trendingItems = trending?.items ?? []
  const denied = new Set(m.denylist)
  const catalogMap = new Map(Object.entries(catalog?.items ?? {}))
  const trendingSignal = listSignals(trendingItems, 'score')
  const popularity = new Map([...editorial].map(([s, items]) => [s, listSignals(items, 'rank')]))
  return {
    tenant,
    release,
    model_version: m.model_version,
    index_version: indexFile?.sha256 ?? null,
    surfaces: new Map(m.surfaces.map((s) => [s.id, s])),
    denied,
    catalog: catalogMap,
    neighbors: new Map(Object.entries(neighbors?.items ?? {})),
    trending: trendingItems,
    editorial,
    trendingSignal,
    popularity,
    index,
    consumed: new ConsumedSets(consumed),
    signals: new ItemSignalTable({ catalog: catalogMap, index, trendingSignal, popularity }),
    prefilterVerdicts: new PrefilterVerdicts({ denied, catalog: catalogMap }),
    model: new BatchedModel(model, opts),
    dispose: () => model.dispose(),
  }
}
