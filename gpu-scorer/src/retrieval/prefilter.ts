import {
  applyEligibility,
  EMPTY_USER_STATE,
  type CatalogFlags,
  type EligibilityContext,
  type FilterResult,
  type ItemSet,
  type RankRequest,
  type RankSource,
  type ReasonCode,
  type Removal,
  type SourceReport,
  type StageId,
} from '@recsys/shared'
import type { RetrievedCandidate } from './retrieve'

/** What the pre-filter reads from the release. */
export interface PrefilterRelease {
  denied: ReadonlySet<string>
  catalog: ReadonlyMap<string, CatalogFlags>
  prefilterVerdicts: PrefilterVerdicts
}

/**
 * The shared eligibility context of the pre-filter: the scorer ranks under `personalized` (the edge calls it only
 * then), with no user state but the request's suppressed items, `exclude_seen` off (the edge sends seen items in
 * `exclude`), and the user's history as `consumed` (empty when the request's `exclude_consumed` is off).
 */
function prefilterContext(
  release: Pick<PrefilterRelease, 'denied' | 'catalog'>,
  suppressed: ReadonlySet<string>,
  consumed: ItemSet,
  country: string | undefined,
  now: number,
): EligibilityContext {
  return {
    now,
    denied: release.denied,
    catalog: (id) => release.catalog.get(id),
    user: { ...EMPTY_USER_STATE, suppressedItems: suppressed },
    country,
    privacy: 'personalized',
    rules: { exclude_seen: false, exclude_consumed: true },
    consumed,
  }
}

type Verdict = { stage: StageId; reason: ReasonCode } | null

/**
 * Per release, the shared eligibility verdict of each item whose catalog flags name no region, computed once (by
 * `applyEligibility` itself) under the pre-filter's context with no country and nothing suppressed or consumed, then
 * reused by every request. Under that context the verdict of such an item depends on the request only through its
 * suppressed items (`exclude` and the anchor) and the user's history, which the pre-filter checks per request, after
 * the memoized verdict (the order of the shared filters: denylist, availability and age come before suppression,
 * suppression before consumed).
 * Items with region rules depend on the request's country and go through `applyEligibility` on every request.
 */
export class PrefilterVerdicts {
  private readonly memo = new Map<string, Verdict>()
  private readonly ctx: EligibilityContext

  constructor(release: Pick<PrefilterRelease, 'denied' | 'catalog'>) {
    this.ctx = prefilterContext(release, new Set(), new Set(), undefined, 0)
  }

  /** The memoized verdict (null: eligible), or undefined when the item's verdict depends on the country. */
  of(c: RetrievedCandidate): Verdict | undefined {
    const memo = this.memo.get(c.item_id)
    if (memo !== undefined) return memo
    const flags = this.ctx.catalog(c.item_id)
    if (flags && (flags.regions_allowed || flags.regions_blocked)) return undefined
    const r = applyEligibility([c], this.ctx).removed[0]
    const v: Verdict = r ? { stage: r.stage, reason: r.reason } : null
    this.memo.set(c.item_id, v)
    return v
  }
}

/**
 * The shared eligibility pre-filter before any feature or model work: denylist (with folded tombstones),
 * availability, region (the request's `country`), age, the request's `exclude` plus the anchor item as suppressed
 * items, and the user's history (`consumed`, from the subject context). The scorer ranks under `personalized` (the edge calls it only then); the edge runs final
 * eligibility again on what it serves. Keeps exactly what `applyEligibility` keeps, in order, with the same reason
 * for each removal (listed in candidate order, not grouped by filter); see {@link PrefilterVerdicts}.
 */
export function prefilter(
  release: PrefilterRelease,
  request: RankRequest,
  candidates: RetrievedCandidate[],
  report: Partial<Record<RankSource, SourceReport>>,
  now: number,
  consumed: ItemSet,
): FilterResult<RetrievedCandidate> {
  const suppressed = new Set(request.exclude)
  if (request.anchor_item) suppressed.add(request.anchor_item)
  let kept: RetrievedCandidate[] = []
  const removed: Removal[] = []
  let regional: RetrievedCandidate[] | undefined
  for (const c of candidates) {
    const v = release.prefilterVerdicts.of(c)
    if (v === undefined) {
      ;(regional ??= []).push(c)
      kept.push(c)
    } else if (v !== null)
      removed.push({ item_id: c.item_id, tier: c.tier, stage: v.stage, reason: v.reason })
    else if (suppressed.has(c.item_id))
      removed.push({
        item_id: c.item_id,
        tier: c.tier,
        stage: 'suppression',
        reason: 'suppressed_item',
      })
    else if (consumed.has(c.item_id))
      removed.push({ item_id: c.item_id, tier: c.tier, stage: 'consumed', reason: 'consumed' })
    else kept.push(c)
  }
  if (regional) {
    const r = applyEligibility(
      regional,
      prefilterContext(release, suppressed, consumed, request.country, now),
    )
    const out = new Set(r.removed.map((x) => x.item_id))
    kept = kept.filter((c) => !out.has(c.item_id))
    removed.push(...r.removed)
  }
  for (const s of Object.values(report)) s.kept = 0
  for (const c of kept) report[c.source]!.kept++
  return { kept, removed }
}
