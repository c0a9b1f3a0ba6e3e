import { RANK_SOURCES, type RankRequest, type RankSource } from '@recsys/shared'

/** Default share of the request's `candidates` budget per source, in priority order. */
export const DEFAULT_SHARES: Readonly<Record<RankSource, number>> = {
  ann: 0.5,
  item2item: 0.3,
  trending: 0.1,
  editorial: 0.1,
}

/**
 * Each source's quota: its share of `candidates` (rounded down; what rounding leaves goes to the first source),
 * or the request's override. The sum of defaults never exceeds `candidates`.
 */
export function sourceQuotas(
  candidates: number,
  overrides: RankRequest['quotas'] = {},
): Record<RankSource, number> {
  const out = {} as Record<RankSource, number>
  let used = 0
  for (const s of RANK_SOURCES) {
    out[s] = Math.floor(candidates * DEFAULT_SHARES[s])
    used += out[s]
  }
  out[RANK_SOURCES[0]] += Math.max(0, candidates - used)
  for (const s of RANK_SOURCES) if (overrides[s] !== undefined) out[s] = overrides[s]
  return out
}
