import { CatalogFlags, type RerankRules } from '../contracts/artifacts'
import type { Tier } from '../contracts/common'
import type { Candidate } from '../funnel/types'
import type { RerankContext } from './rerank'

/** Helpers shared by the rerank example tests and property tests. */
export const NOW = Date.UTC(2026, 10, 21, 12)
export const DAY = 86_400_000

export const cand = (item_id: string, score?: number, tier: Tier = 'cached_user'): Candidate => ({
  item_id,
  tier,
  source: 'test',
  reason: 'test',
  needs: 'non_personalized',
  ...(score === undefined ? {} : { score }),
})

export function ctx(
  catalog: Record<string, Partial<CatalogFlags>>,
  rules: RerankRules,
  limit: number,
  seed = 'slate-1',
): RerankContext {
  const parsed = new Map(Object.entries(catalog).map(([id, f]) => [id, CatalogFlags.parse(f)]))
  return { now: NOW, limit, catalog: (id) => parsed.get(id) ?? CatalogFlags.parse({}), rules, seed }
}

export const ids = (r: { items: { item_id: string }[] }) => r.items.map((i) => i.item_id)
export const removals = (r: { removed: { item_id: string; stage: string; reason: string }[] }) =>
  r.removed.map((x) => `${x.item_id}:${x.stage}:${x.reason}`)
