import type { Candidate, FilterResult, Removal } from '../funnel/types'
import type { EligibilityContext } from './context'
import {
  ageFilter,
  availabilityFilter,
  consumedFilter,
  denylistFilter,
  frequencyCapFilter,
  privacyFilter,
  regionFilter,
  seenFilter,
  suppressionFilter,
} from './filters'

/**
 * Final eligibility, in order. Every tier of the ladder passes through all of it.
 * Order: privacy and denylist are set lookups that need nothing else and remove what must never be shown; catalog
 * rules (availability, region, age) need the catalog flags; user rules (suppression, caps, seen, consumed) need
 * user state and go last so that a removal is blamed on the most fundamental reason.
 */
export const FINAL_ELIGIBILITY = [
  privacyFilter,
  denylistFilter,
  availabilityFilter,
  regionFilter,
  ageFilter,
  suppressionFilter,
  frequencyCapFilter,
  seenFilter,
  consumedFilter,
] as const

/** Runs every final-eligibility filter in order and collects the removals. */
export function applyEligibility<C extends Candidate>(
  candidates: readonly C[],
  ctx: EligibilityContext,
): FilterResult<C> {
  let kept = candidates as C[]
  const removed: Removal[] = []
  for (const filter of FINAL_ELIGIBILITY) {
    const r = filter.apply(kept, ctx)
    kept = r.kept as C[]
    removed.push(...r.removed)
  }
  return { kept, removed }
}
