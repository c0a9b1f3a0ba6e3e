import type { z } from 'zod'
import {
  CatalogFlags,
  Slate,
  TenantConfig,
  type RuleBundles,
  type Slate as SlateT,
} from '../contracts/artifacts'
import type { PrivacyMode } from '../contracts/common'
import type { Experiment, Manifest, ManifestPointer } from '../contracts/manifest'
import { BASE_VARIANT, kvKeys } from '../keys/store-keys'
import { shardOf } from '../util/hash'

/** Everything one release puts in the edge store. */
export interface ReleaseSpec {
  tenant: string
  release: string
  created_at: string
  model_version: string
  rules_version: string
  config: z.input<typeof TenantConfig>
  catalog: Record<string, z.input<typeof CatalogFlags>>
  /** Items per shard the planner aims for when `catalog_shards` is not given. */
  items_per_shard?: number
  catalog_shards?: number
  denylist: string[]
  rules: RuleBundles
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
}

export interface KvWrite {
  key: string
  value: unknown
}

/** The writes of a publish, in order: every release-versioned blob, then the manifest, then the pointer. */
export interface PublishPlan {
  blobs: KvWrite[]
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
  const shardDocs = Array.from(
    { length: shards },
    () => ({}) as Record<string, z.output<typeof CatalogFlags>>,
  )
  for (const id of itemIds)
    shardDocs[shardOf(id, shards)]![id] = CatalogFlags.parse(spec.catalog[id])

  const v = (variant?: string) => variant ?? BASE_VARIANT
  const slate = (s: SlateT) => Slate.parse(s)
  const blobs: KvWrite[] = [
    { key: kvKeys.denylist(tenant, release), value: { items: [...new Set(spec.denylist)] } },
    { key: kvKeys.rules(tenant, release), value: spec.rules },
    ...shardDocs.map((items, i) => ({
      key: kvKeys.catalogShard(tenant, release, i),
      value: { items },
    })),
    ...spec.popular.map((p) => ({
      key: kvKeys.popular(tenant, release, p.surface, v(p.variant)),
      value: slate(p.slate),
    })),
    ...(spec.user_slates ?? []).map((u) => ({
      key: kvKeys.userSlate(tenant, release, u.surface, v(u.variant), u.user_id),
      value: slate(u.slate),
    })),
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
    has: {
      user_slates: (spec.user_slates?.length ?? 0) > 0,
      anchored_slates: (spec.anchored_slates?.length ?? 0) > 0,
      segments: (spec.segments?.length ?? 0) > 0,
    },
    experiments: spec.experiments ?? [],
  }
  return {
    blobs,
    manifest: { key: kvKeys.manifest(tenant, release), value: manifest },
    pointer: { key: kvKeys.pointer(tenant), value: { release, updated_at: spec.created_at } },
  }
}
