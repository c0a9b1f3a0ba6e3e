import { meanVector, type ItemSet, type RankRequest } from '@recsys/shared'
import { EMPTY_ITEM_SET, unionOf } from '../artifacts/consumed-sets'
import type { LoadedRelease } from '../artifacts/loaded-release'

/** Item-to-item evidence for one item: best neighbour similarity and how many seed items list it. */
export interface I2iEvidence {
  max: number
  hits: number
}

/** What the request says about its subject, computed once and read by the sources and the features. */
export interface SubjectContext {
  /** The user's embedding (`u.<id>` subjects), else the mean of recent + session item vectors. */
  vector: Float32Array | undefined
  vectorFrom: 'embedding' | 'history' | 'none'
  sessionVectors: Float32Array[]
  /** Categories of recent and session items found in the catalog, one entry per item. */
  historyCategories: string[][]
  /** Seed items of item-to-item, in order: anchor, session, recent (each once). */
  seeds: string[]
  /** Item-to-item evidence from every seed's neighbour list (not cut to a quota: features read it too). */
  i2i: Map<string, I2iEvidence>
  /** The anchor's neighbours in their list's order (the anchor left out); empty without an anchor. */
  anchorNeighbors: string[]
  /**
   * The user's history, dropped by every source before its quota and by the pre-filter (`exclude_consumed`): the
   * release's consumed items of a `u.` subject and the request's recent items. Empty when the rule is off.
   */
  consumed: ItemSet
}

/** The release's consumed items of the subject with the request's recent items, or nothing when the rule is off. */
function consumedOf(r: LoadedRelease, req: RankRequest): ItemSet {
  if (!req.exclude_consumed) return EMPTY_ITEM_SET
  const stored = req.subject.startsWith('u.') ? r.consumed.of(req.subject.slice(2)) : EMPTY_ITEM_SET
  return unionOf(stored, new Set(req.recent_items))
}

export function subjectContext(r: LoadedRelease, req: RankRequest): SubjectContext {
  const history = [...req.session_items, ...req.recent_items]
  const vec = (id: string) => r.index?.itemVector(id)
  let vector = r.index?.userVector(req.subject)
  let vectorFrom: SubjectContext['vectorFrom'] = vector ? 'embedding' : 'none'
  if (!vector) {
    vector = meanVector(history.map(vec).filter((v): v is Float32Array => v !== undefined))
    if (vector) vectorFrom = 'history'
  }
  const historyCategories: string[][] = []
  for (const id of history) {
    const flags = r.catalog.get(id)
    if (flags) historyCategories.push(flags.categories)
  }
  const seeds = [...new Set([...(req.anchor_item ? [req.anchor_item] : []), ...history])]
  const i2i = new Map<string, I2iEvidence>()
  for (const seed of seeds)
    for (const n of r.neighbors.get(seed) ?? []) {
      const sim = n.score ?? 0
      const e = i2i.get(n.item_id)
      if (e) {
        e.max = Math.max(e.max, sim)
        e.hits++
      } else i2i.set(n.item_id, { max: sim, hits: 1 })
    }
  const anchor = req.anchor_item
  const anchorNeighbors =
    anchor === undefined
      ? []
      : [...new Set((r.neighbors.get(anchor) ?? []).map((n) => n.item_id))].filter(
          (id) => id !== anchor,
        )
  return {
    vector,
    vectorFrom,
    sessionVectors: req.session_items.map(vec).filter((v): v is Float32Array => v !== undefined),
    historyCategories,
    seeds,
    i2i,
    anchorNeighbors,
    consumed: consumedOf(r, req),
  }
}
