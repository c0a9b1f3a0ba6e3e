import type { CatalogFlags, ItemSignals } from '@recsys/shared'
import type { AnnIndex } from '../artifacts/ann-index'

/** What an item's signals are read from: the release's artifacts, immutable once loaded. */
export interface ItemSignalSource {
  catalog: ReadonlyMap<string, CatalogFlags>
  index: AnnIndex | undefined
  trendingSignal: ReadonlyMap<string, number>
  popularity: ReadonlyMap<string, ReadonlyMap<string, number>>
}

const NO_POPULARITY: ReadonlyMap<string, number> = new Map()

/** What the release knows about an item, independent of the request (computed afresh; see {@link ItemSignalTable}). */
export function itemSignals(r: ItemSignalSource, surface: string, itemId: string): ItemSignals {
  const flags = r.catalog.get(itemId)
  return {
    vector: r.index?.itemVector(itemId),
    categories: flags?.categories ?? [],
    published_at: flags?.published_at,
    trending: r.trendingSignal.get(itemId) ?? 0,
    popularity: r.popularity.get(surface)?.get(itemId) ?? 0,
  }
}

/**
 * Per release, each item's {@link ItemSignals} computed once and then shared by every request: signals depend on the
 * release and on the surface's popular list only. One memo per popular list, plus one for the surfaces without a
 * list (popularity 0), so the memo is bounded by (lists + 1) × the items requests actually reach.
 * @note The memoized objects are shared between requests and must be treated as read-only (`rankerFeatures` is).
 */
export class ItemSignalTable {
  private readonly memos = new Map<ReadonlyMap<string, number>, Map<string, ItemSignals>>()

  constructor(private readonly source: ItemSignalSource) {}

  /** The memo of a surface: `get(itemId)` on it is one map lookup once the item was seen. */
  forSurface(surface: string): (itemId: string) => ItemSignals {
    const popularity = this.source.popularity.get(surface) ?? NO_POPULARITY
    let memo = this.memos.get(popularity)
    if (!memo) {
      memo = new Map()
      this.memos.set(popularity, memo)
    }
    const m = memo
    return (itemId) => {
      let s = m.get(itemId)
      if (s === undefined) {
        s = itemSignals(this.source, surface, itemId)
        m.set(itemId, s)
      }
      return s
    }
  }
}
