import type { ModelMetadata, Slate, SlateLine, TenantConfig } from '@recsys/shared'
import type { GateFailure } from './gate-failure'
import { MAX_OFFENDING, type ParsedArtifact } from './parse'

/** What the content gates check artifacts against. */
export interface GateContext {
  /** Item ids of the release's catalog snapshot. */
  catalog: ReadonlySet<string>
  /** Tombstoned items and when each was tombstoned. */
  tombstoned: ReadonlyMap<string, Date>
  surfaces: TenantConfig['surfaces']
  /** Bounds of one slate's length. */
  slate: { min: number; max: number }
  /** Loads a model in onnxruntime and probes it; absent where models cannot be checked (then models fail). */
  modelCheck?: ModelCheck
}

export type ModelCheck = (
  bytes: Uint8Array,
  metadata: ModelMetadata,
) => Promise<{ ok: true } | { ok: false; check: string; message: string; offending: string[] }>

export const DEFAULT_SLATE_BOUNDS = { min: 1, max: 500 } as const

/** Collects offending values per check, then turns them into failures. */
class Findings {
  private readonly by = new Map<string, { message: string; values: string[] }>()
  constructor(private readonly artifact: string) {}
  add(check: string, message: string, value: string) {
    let f = this.by.get(check)
    if (!f) this.by.set(check, (f = { message, values: [] }))
    f.values.push(value)
  }
  failures(): GateFailure[] {
    return [...this.by].map(([check, f]) => ({
      artifact: this.artifact,
      check,
      message: `${f.message} (${f.values.length})`,
      offending: f.values.slice(0, MAX_OFFENDING),
      count: f.values.length,
    }))
  }
}

/**
 * Every item of a list exists, appears once, and was not tombstoned before the artifact was registered.
 * @note An item tombstoned after registration is not a failure: its producer could not know, and the release
 * folds every tombstone into its denylist, so the edge never serves it.
 */
function checkItems(f: Findings, ctx: Ctx, where: string, ids: Iterable<string>) {
  const seen = new Set<string>()
  for (const id of ids) {
    if (seen.has(id)) f.add('duplicates', 'items repeated within one list', `${where}: ${id}`)
    seen.add(id)
    if (!ctx.catalog.has(id)) f.add('unknown_items', 'items not in the catalog', `${where}: ${id}`)
    else {
      const at = ctx.tombstoned.get(id)
      if (at && at <= ctx.registeredAt)
        f.add(
          'tombstoned_items',
          'items tombstoned before this artifact was registered',
          `${where}: ${id}`,
        )
    }
  }
}

type Ctx = GateContext & { registeredAt: Date }

function checkSlate(f: Findings, ctx: Ctx, where: string, slate: Slate) {
  const n = slate.items.length
  if (n < ctx.slate.min || n > ctx.slate.max)
    f.add('slate_size', `slates outside ${ctx.slate.min}..${ctx.slate.max} items`, `${where}: ${n}`)
  checkItems(
    f,
    ctx,
    where,
    slate.items.map((e) => e.item_id),
  )
}

const lineWhere = (l: SlateLine) =>
  l.type === 'user'
    ? `${l.surface} user ${l.user_id}`
    : l.type === 'anchored'
      ? `${l.surface} item ${l.item_id}`
      : `${l.surface} segment ${l.mode}/${l.segment}`

/**
 * The content gates of one artifact (after its schema gate): referenced items exist in the catalog and are not
 * tombstoned, slates are de-duplicated and within bounds, fallback lists are non-empty, slates name surfaces of
 * the right kind, models load and probe clean. Returns every failure, each naming its check and offending values.
 */
export async function checkArtifact(
  label: string,
  a: ParsedArtifact,
  gateCtx: GateContext,
  registeredAt: Date,
): Promise<GateFailure[]> {
  const ctx: Ctx = { ...gateCtx, registeredAt }
  const f = new Findings(label)
  const surfaceKind = new Map(ctx.surfaces.map((s) => [s.id, s.kind]))
  switch (a.kind) {
    case 'catalog':
      if (Object.keys(a.file.items).length === 0)
        f.add('catalog_empty', 'the catalog has no items', '(0 items)')
      break
    case 'denylist':
    case 'rules':
      break
    case 'consumed':
      // A user's history may name items the catalog has since dropped: it only ever removes candidates.
      break
    case 'fallback':
      for (const l of a.file.lists) {
        const where = `${l.surface}${l.variant ? `/${l.variant}` : ''}`
        if (!surfaceKind.has(l.surface))
          f.add('unknown_surface', 'lists for unknown surfaces', where)
        if (l.slate.items.length === 0) f.add('fallback_empty', 'empty fallback lists', where)
        else checkSlate(f, ctx, where, l.slate)
      }
      break
    case 'slates': {
      const keys = new Set<string>()
      for (const l of a.lines) {
        const where = lineWhere(l)
        const kind = surfaceKind.get(l.surface)
        if (!kind) f.add('unknown_surface', 'slates for unknown surfaces', where)
        else if (l.type === 'user' && kind !== 'personalized')
          f.add('surface_kind', 'user slates for a surface that is not personalized', where)
        else if (l.type === 'anchored' && kind !== 'item_anchored')
          f.add('surface_kind', 'anchored slates for a surface that is not item_anchored', where)
        if (l.type === 'anchored' && !ctx.catalog.has(l.item_id))
          f.add('unknown_items', 'items not in the catalog', `${where}: anchor ${l.item_id}`)
        const key = `${where}/${l.variant ?? ''}`
        if (keys.has(key)) f.add('duplicate_slates', 'slates given twice', key)
        keys.add(key)
        checkSlate(f, ctx, where, l.slate)
      }
      break
    }
    case 'neighbors':
      for (const [item, list] of Object.entries(a.file.items)) {
        if (!ctx.catalog.has(item))
          f.add('unknown_items', 'items not in the catalog', `anchor ${item}`)
        checkItems(
          f,
          ctx,
          `neighbors of ${item}`,
          list.map((e) => e.item_id),
        )
      }
      break
    case 'trending':
      checkItems(
        f,
        ctx,
        'trending',
        a.file.items.map((e) => e.item_id),
      )
      break
    case 'index':
      checkItems(f, ctx, 'index', a.header.items)
      break
    case 'model':
    case 'edge_model': {
      if (!ctx.modelCheck) {
        f.add('model_check', 'models cannot be checked here', 'onnxruntime-node unavailable')
        break
      }
      const r = await ctx.modelCheck(a.bytes, a.metadata)
      if (!r.ok)
        for (const v of r.offending.length ? r.offending : ['-']) f.add(r.check, r.message, v)
      break
    }
  }
  return f.failures()
}
