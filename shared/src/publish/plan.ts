import type { z } from 'zod'
import {
  CatalogFlags,
  RuleBundles,
  Slate,
  TenantConfig,
  type Slate as SlateT,
} from '../contracts/artifacts'
import { ModelMetadata } from '../contracts/artifact-files'
import type { PrivacyMode } from '../contracts/common'
import type { Experiment, Manifest, ManifestPointer } from '../contracts/manifest'
import { BASE_VARIANT, kvKeys, r2Keys } from '../keys/store-keys'
import { shardOf } from '../util/hash'

/** The `model_version` of a release that carries no ranker model: the edge does not ask the scorer for it. */
export const NO_MODEL = 'none'

/** Everything one release puts in the edge store. */
export interface ReleaseSpec {
  tenant: string
  release: string
  created_at: string
  /** The ranker's version, or {@link NO_MODEL}. */
  model_version: string
  rules_version: string
  config: z.input<typeof TenantConfig>
  catalog: Record<string, z.input<typeof CatalogFlags>>
  /** Items per shard the planner aims for when `catalog_shards` is not given. */
  items_per_shard?: number
  catalog_shards?: number
  /** Users per user-slate page the planner aims for (default 16); `user_slate_pages` fixes the page count. */
  users_per_page?: number
  user_slate_pages?: number
  denylist: string[]
  /** Rule bundles by id, written with their defaults filled in. */
  rules: z.input<typeof RuleBundles>
  popular: Array<{ surface: string; variant?: string; slate: SlateT }>
  user_slates?: Array<{ surface: string; variant?: string; user_id: string; slate: SlateT }>
  anchored_slates?: Array<{ surface: string; variant?: string; item_id: string; slate: SlateT }>
  segments?: Array<{
    surface: string
    variant?: string
    mode: PrivacyMode
    segment: string
    slate: SlateT
  }>
  experiments?: Experiment[]
  /** The edge model: its bytes go to the artifact bucket (R2) by content; the manifest names them. */
  edge_model?: { sha256: string; size_bytes: number; metadata: z.input<typeof ModelMetadata> }
}

export interface KvWrite {
  key: string
  value: unknown
}

/**
 * The writes of a publish, in order: every release-versioned blob and every artifact-bucket object the manifest
 * names, then the manifest, then the pointer.
 */
export interface PublishPlan {
  blobs: KvWrite[]
  /** Objects of the artifact bucket (R2) the manifest names; each must be stored before the manifest is written. */
  r2: Array<{ key: string; sha256: string; size_bytes: number }>
  manifest: KvWrite & { value: Manifest }
  pointer: KvWrite & { value: ManifestPointer }
}

/**
 * Plans a publish (pure). Readers follow the pointer, so until the pointer write lands they see the old release
 * whole, and after it the new release whole: blobs and manifest are under release-versioned keys.
 */
export function planRelease(spec: ReleaseSpec): PublishPlan {
  const { tenant, release } = spec
  const config = TenantConfig.parse(spec.config)
  const itemIds = Object.keys(spec.catalog)
  const shards =
    spec.catalog_shards ??
    Math.max(1, Math.min(4096, Math.ceil(itemIds.length / (spec.items_per_shard ?? 2000))))
  // No prototype: an item id like `__proto__` is a key, not the document's prototype.
  const shardDocs = Array.from(
    { length: shards },
    () => Object.create(null) as Record<string, z.output<typeof CatalogFlags>>,
  )
  for (const id of itemIds)
    shardDocs[shardOf(id, shards)]![id] = CatalogFlags.parse(spec.catalog[id])

  const v = (variant?: string) => variant ?? BASE_VARIANT
  const slate = (s: SlateT) => Slate.parse(s)
  const { pages: userSlatePages, docs: userPages } = pageUserSlates(spec, (s) => slate(s))
  const blobs: KvWrite[] = [
    { key: kvKeys.denylist(tenant, release), value: { items: [...new Set(spec.denylist)] } },
    { key: kvKeys.rules(tenant, release), value: RuleBundles.parse(spec.rules) },
    ...shardDocs.map((items, i) => ({
      key: kvKeys.catalogShard(tenant, release, i),
      value: { items },
    })),
    ...spec.popular.map((p) => ({
      key: kvKeys.popular(tenant, release, p.surface, v(p.variant)),
      value: slate(p.slate),
    })),
    ...userPages.map((p) => ({ key: p.key, value: { users: p.users } })),
    ...(spec.anchored_slates ?? []).map((a) => ({
      key: kvKeys.anchoredSlate(tenant, release, a.surface, v(a.variant), a.item_id),
      value: slate(a.slate),
    })),
    ...(spec.segments ?? []).map((s) => ({
      key: kvKeys.segmentList(tenant, release, s.surface, v(s.variant), s.mode, s.segment),
      value: slate(s.slate),
    })),
  ]
  const manifest: Manifest = {
    schema: 1,
    tenant,
    release,
    created_at: spec.created_at,
    model_version: spec.model_version,
    rules_version: spec.rules_version,
    config,
    catalog_shards: shards,
    user_slate_pages: userSlatePages,
    has: {
      user_slates: (spec.user_slates?.length ?? 0) > 0,
      anchored_slates: (spec.anchored_slates?.length ?? 0) > 0,
      segments: (spec.segments?.length ?? 0) > 0,
      ranker: spec.model_version !== NO_MODEL,
    },
    experiments: spec.experiments ?? [],
  }
  const edgeModel = spec.edge_model && {
    key: r2Keys.blob(tenant, spec.edge_model.sha256),
    sha256: spec.edge_model.sha256,
    size_bytes: spec.edge_model.size_bytes,
    metadata: ModelMetadata.parse(spec.edge_model.metadata),
  }
  if (edgeModel) manifest.edge_model = edgeModel
  return {
    blobs,
    r2: edgeModel
      ? [{ key: edgeModel.key, sha256: edgeModel.sha256, size_bytes: edgeModel.size_bytes }]
      : [],
    manifest: { key: kvKeys.manifest(tenant, release), value: manifest },
    pointer: { key: kvKeys.pointer(tenant), value: { release, updated_at: spec.created_at } },
  }
}

/**
 * Groups user slates into pages: user `u` of a (surface, variant) goes to page `shardOf(u, pages)`. The page count
 * is shared by every (surface, variant) of the release and sized for the largest one. Empty pages are not written.
 */
function pageUserSlates(
  spec: ReleaseSpec,
  parse: (s: SlateT) => SlateT,
): { pages: number; docs: Array<{ key: string; users: Record<string, SlateT> }> } {
  const list = spec.user_slates ?? []
  if (list.length === 0) return { pages: 0, docs: [] }
  const perGroup = new Map<string, number>()
  for (const u of list) {
    const g = `${u.surface}\u0000${u.variant ?? BASE_VARIANT}`
    perGroup.set(g, (perGroup.get(g) ?? 0) + 1)
  }
  const largest = Math.max(...perGroup.values())
  const pages =
    spec.user_slate_pages ?? Math.max(1, Math.ceil(largest / (spec.users_per_page ?? 16)))
  const docs = new Map<string, Record<string, SlateT>>()
  for (const u of list) {
    const key = kvKeys.userSlatePage(
      spec.tenant,
      spec.release,
      u.surface,
      u.variant ?? BASE_VARIANT,
      shardOf(u.user_id, pages),
    )
    let doc = docs.get(key)
    if (!doc) docs.set(key, (doc = Object.create(null) as Record<string, SlateT>))
    doc[u.user_id] = parse(u.slate)
  }
  return { pages, docs: [...docs].map(([key, users]) => ({ key, users })) }
}
