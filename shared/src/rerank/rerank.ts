import type { CatalogFlags, RerankRules } from '../contracts/artifacts'
import type { Candidate, Removal } from '../funnel/types'
import { murmur3 } from '../util/hash'

export interface RerankContext {
  now: number
  limit: number
  catalog: (itemId: string) => CatalogFlags | undefined
  rules: RerankRules
  /** Seed for the deterministic draw of exploration items (e.g. the slate id). */
  seed: string
}

export interface Reranked<C extends Candidate> {
  items: Array<C & { sponsored: boolean; rules: string[] }>
  removed: Removal[]
}

const DAY_MS = 86_400_000

/**
 * Reranks an eligible, ladder-ordered pool and cuts it to `limit`:
 * relevance floor → freshness (re-sort within a tier: scores of different tiers do not compare; an item-anchored
 * surface's neighbours of the anchor stay ahead of its fill) → category cap in the top N → sponsored slots and cap → exploration slots from safe items → de-duplication → cut.
 * @note Never adds an item that was not in the pool, so eligibility holds after rerank.
 * @note Rules fail open rather than empty the slate (docs/api.md#post-v1recommendations: `items` is never empty while
 * the tenant has any eligible item): when nothing would be left, the pool is reranked without the relevance floor,
 * then with the sponsored slots moved to the first positions (a pool of sponsored items whose slots all lie beyond
 * `limit`). Only `sponsored.max: 0` (no sponsored item on this surface) can still leave the slate empty.
 */
export function rerank<C extends Candidate>(pool: readonly C[], ctx: RerankContext): Reranked<C> {
  let r = rerankWith(pool, ctx)
  if (r.items.length > 0 || pool.length === 0) return r
  let rules = ctx.rules
  if (rules.relevance_floor !== undefined) {
    rules = { ...rules, relevance_floor: undefined }
    r = rerankWith(pool, { ...ctx, rules })
  }
  // A pool of sponsored items only, whose slots all lie beyond `limit`: they take the first positions instead,
  // still at most `max` of them.
  const spons = rules.sponsored
  if (r.items.length > 0 || !spons || spons.max === 0) return r
  const top = Array.from({ length: Math.min(spons.max, ctx.limit) }, (_, i) => i + 1)
  return rerankWith(pool, { ...ctx, rules: { ...rules, sponsored: { ...spons, positions: top } } })
}

function rerankWith<C extends Candidate>(pool: readonly C[], ctx: RerankContext): Reranked<C> {
  const { rules, catalog, limit } = ctx
  const removed: Removal[] = []
  const applied = new Map<string, string[]>()
  const mark = (id: string, rule: string) => applied.set(id, [...(applied.get(id) ?? []), rule])
  const drop = (c: C, stage: Removal['stage'], reason: Removal['reason']) =>
    removed.push({ item_id: c.item_id, tier: c.tier, stage, reason })

  // De-duplicate first so that no later step can place the same item twice.
  const seen = new Set<string>()
  let list: C[] = []
  for (const c of pool) {
    if (seen.has(c.item_id)) drop(c, 'dedupe', 'duplicate')
    else {
      seen.add(c.item_id)
      list.push(c)
    }
  }

  const floor = rules.relevance_floor
  if (floor !== undefined) {
    list = list.filter((c) => {
      if (c.score === undefined || c.score >= floor) return true
      drop(c, 'relevance_floor', 'below_relevance_floor')
      return false
    })
  }

  const fresh = rules.freshness
  if (fresh) {
    const boosted = new Map<C, number>()
    for (const c of list) {
      const published = catalog(c.item_id)?.published_at
      if (c.score === undefined || published === undefined) continue
      const ageDays = Math.max(0, (ctx.now - published) / DAY_MS)
      boosted.set(c, c.score * (1 + fresh.boost * 2 ** (-ageDays / fresh.half_life_days)))
      mark(c.item_id, 'freshness')
    }
    list = stableSortWithinTier(list, (c) => boosted.get(c) ?? c.score)
  }

  const isSponsored = (c: C) => catalog(c.item_id)?.sponsored === true
  const spons = rules.sponsored

  const cap = rules.category_cap
  if (cap) {
    // Sponsored items leave the ranking for their slots, so the cap ranks the organic items only: a sponsored item
    // counted in the top N and then moved to its slot would otherwise let a capped item into the top N.
    const moved = (c: C) => spons !== undefined && isSponsored(c)
    const organic = capCategories(
      list.filter((c) => !moved(c)),
      catalog,
      cap.max,
      cap.top_n,
      mark,
    )
    list = [...organic, ...list.filter(moved)]
  }

  /** Sponsored items on their slots: later steps must not move them. */
  const slotted = new Set<C>()
  if (spons) {
    const slots = [...new Set(spons.positions)].filter((p) => p <= limit).sort((a, b) => a - b)
    const sponsored = list.filter(isSponsored)
    const organic = list.filter((c) => !isSponsored(c))
    const placed = sponsored.slice(0, Math.min(spons.max, slots.length))
    for (const c of sponsored.slice(placed.length)) drop(c, 'sponsored', 'sponsored_cap')
    list = organic
    slots.forEach((pos, i) => {
      const c = placed[i]
      if (!c) return
      list.splice(Math.min(pos - 1, list.length), 0, c)
      slotted.add(c)
      mark(c.item_id, 'sponsored_slot')
    })
  }

  const explore = rules.exploration
  if (explore && list.length > 0) {
    const slots = [...new Set(explore.positions)].filter((p) => p <= limit).sort((a, b) => a - b)
    // The pool of exploration items: safe, non-sponsored items below the cut.
    const below = list
      .slice(limit)
      .filter((c) => catalog(c.item_id)?.safe === true && !isSponsored(c))
    for (const pos of slots) {
      if (below.length === 0 || pos > list.length) break
      if (slotted.has(list[pos - 1]!)) continue // a sponsored slot keeps its sponsored item
      const pick = murmur3(`${ctx.seed}:${pos}`) % below.length
      const [c] = below.splice(pick, 1)
      if (!c) break
      const pinned = [...slotted].map((s) => [s, list.indexOf(s)] as const)
      list.splice(list.indexOf(c), 1)
      list.splice(pos - 1, 0, c)
      // The insertion moved the items after it down by one: put sponsored items back on their slots.
      for (const [s, i] of pinned) {
        list.splice(list.indexOf(s), 1)
        list.splice(i, 0, s)
      }
      mark(c.item_id, 'exploration_slot')
    }
  }

  for (const c of list.slice(limit)) drop(c, 'truncate', 'below_cut')
  const items = list.slice(0, limit).map((c) => ({
    ...c,
    sponsored: isSponsored(c),
    rules: applied.get(c.item_id) ?? [],
  }))
  return { items, removed }
}

/**
 * Sorts by score descending inside each run of same-tier candidates; tiers keep their ladder order, and within a
 * tier the anchor's neighbours (`anchored`) keep their place ahead of the rest.
 */
function stableSortWithinTier<C extends Candidate>(
  list: C[],
  score: (c: C) => number | undefined,
): C[] {
  const out: C[] = []
  let run: C[] = []
  const flush = () => {
    const indexed = run.map((c, i) => ({ c, i, s: score(c) }))
    indexed.sort((a, b) =>
      a.s !== undefined && b.s !== undefined && a.s !== b.s ? b.s - a.s : a.i - b.i,
    )
    out.push(...indexed.map((x) => x.c))
    run = []
  }
  for (const c of list) {
    if (run.length > 0 && (run[0]!.tier !== c.tier || !run[0]!.anchored !== !c.anchored)) flush()
    run.push(c)
  }
  flush()
  return out
}

/** Greedy: an item that would push one of its categories past `max` within the first `topN` moves below them. */
function capCategories<C extends Candidate>(
  list: C[],
  catalog: RerankContext['catalog'],
  max: number,
  topN: number,
  mark: (id: string, rule: string) => void,
): C[] {
  const top: C[] = []
  const deferred: C[] = []
  const counts = new Map<string, number>()
  for (const c of list) {
    if (top.length >= topN) {
      deferred.push(c)
      continue
    }
    const cats = catalog(c.item_id)?.categories ?? []
    if (cats.some((cat) => (counts.get(cat) ?? 0) >= max)) {
      deferred.push(c)
      mark(c.item_id, 'category_cap_deferred')
      continue
    }
    for (const cat of cats) counts.set(cat, (counts.get(cat) ?? 0) + 1)
    top.push(c)
  }
  return [...top, ...deferred]
}
