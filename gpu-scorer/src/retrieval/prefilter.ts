import {
  applyEligibility,
  EMPTY_USER_STATE,
  type EligibilityContext,
  type FilterResult,
  type RankRequest,
  type RankSource,
  type SourceReport,
} from '@recsys/shared'
import type { LoadedRelease } from '../artifacts/loaded-release'
import type { RetrievedCandidate } from './retrieve'

/**
 * The shared eligibility pre-filter before any feature or model work: denylist (with folded tombstones),
 * availability, region (the request's `country`), age, and the request's `exclude` plus the anchor item as
 * suppressed items. The scorer ranks under `personalized` (the edge calls it only then); the edge runs final
 * eligibility again on what it serves.
 */
export function prefilter(
  release: LoadedRelease,
  request: RankRequest,
  candidates: RetrievedCandidate[],
  report: Partial<Record<RankSource, SourceReport>>,
  now: number,
): FilterResult<RetrievedCandidate> {
  const suppressed = new Set(request.exclude)
  if (request.anchor_item) suppressed.add(request.anchor_item)
  const ctx: EligibilityContext = {
    now,
    denied: release.denied,
    catalog: (id) => release.catalog.get(id),
    user: { ...EMPTY_USER_STATE, suppressedItems: suppressed },
    country: request.country,
    privacy: 'personalized',
    rules: { exclude_seen: false },
  }
  const r = applyEligibility(candidates, ctx)
  for (const s of Object.values(report)) s.kept = 0
  for (const c of r.kept) report[c.source]!.kept++
  return r
}
