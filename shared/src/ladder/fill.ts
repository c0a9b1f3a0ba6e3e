import type { Tier } from '../contracts/common'
import type { Candidate, FilterResult, Removal } from '../funnel/types'
import type { Result } from '../util/result'

/** One rung of the fallback ladder: a tier and how to load its candidates. */
export interface Rung<C extends Candidate = Candidate> {
  tier: Tier
  /** An error result means the rung failed (not merely empty): the response is then degraded. */
  load: () => Promise<Result<C[], string>>
  /** Set when the rung is not to be tried, with why (kill switch, privacy mode, no such data in the release). */
  skip?: string
}

export interface TierAttempt {
  tier: Tier
  status: 'served' | 'empty' | 'exhausted' | 'skipped' | 'failed'
  detail?: string
  candidates: number
}

export interface LadderResult<C extends Candidate> {
  /** Eligible, de-duplicated candidates in ladder order (first tier first). */
  candidates: C[]
  removed: Removal[]
  tried: TierAttempt[]
  /** The first tier that contributed eligible candidates. */
  tier: Tier | undefined
  /** A rung failed (as opposed to being skipped by policy or being empty). */
  failed: boolean
}

/**
 * Walks the ladder until enough eligible items are held: each rung's candidates pass `eligible`, duplicates of
 * items already held are removed, and later rungs are only loaded while the held items are not `enough` (a count,
 * or a predicate such as "rerank would fill the slate": rerank may drop items, e.g. sponsored ones over a cap).
 * @note All eligible candidates of a loaded rung are kept (beyond `limit`), so rerank has a pool to draw from.
 */
export async function fillLadder<C extends Candidate>(
  rungs: readonly Rung<C>[],
  eligible: (cs: readonly C[]) => FilterResult<C>,
  enough: number | ((held: readonly C[]) => boolean),
): Promise<LadderResult<C>> {
  const isEnough =
    typeof enough === 'number' ? (held: readonly C[]) => held.length >= enough : enough
  const held = new Set<string>()
  const candidates: C[] = []
  const removed: Removal[] = []
  const tried: TierAttempt[] = []
  let tier: Tier | undefined
  let failed = false
  for (const rung of rungs) {
    if (candidates.length > 0 && isEnough(candidates)) break
    if (rung.skip !== undefined) {
      tried.push({ tier: rung.tier, status: 'skipped', detail: rung.skip, candidates: 0 })
      continue
    }
    const loaded = await rung.load()
    if (!loaded.ok) {
      failed = true
      tried.push({ tier: rung.tier, status: 'failed', detail: loaded.error, candidates: 0 })
      continue
    }
    const duplicate = (c: C) =>
      removed.push({ item_id: c.item_id, tier: c.tier, stage: 'dedupe', reason: 'duplicate' })
    // Copies of held items are dropped before eligibility; copies within this rung only after it, so that an
    // ineligible copy (e.g. one that needs personalization) does not hide an eligible copy of the same item.
    const fresh: C[] = []
    for (const c of loaded.value) {
      if (held.has(c.item_id)) duplicate(c)
      else fresh.push(c)
    }
    const r = eligible(fresh)
    removed.push(...r.removed)
    const kept: C[] = []
    for (const c of r.kept) {
      if (held.has(c.item_id)) duplicate(c)
      else {
        held.add(c.item_id)
        kept.push(c)
      }
    }
    candidates.push(...kept)
    if (kept.length > 0) tier ??= rung.tier
    tried.push({
      tier: rung.tier,
      status: kept.length > 0 ? 'served' : loaded.value.length > 0 ? 'exhausted' : 'empty',
      candidates: kept.length,
    })
  }
  return { candidates, removed, tried, tier, failed }
}
