import type { RankSource } from '@recsys/shared'

/** The reason shown for an item, from the highest-priority source that retrieved it. Stable strings. */
export const REASONS: Readonly<Record<RankSource, string>> = {
  ann: 'for_you',
  item2item: 'because_you_watched',
  trending: 'trending_now',
  editorial: 'editors_pick',
}
