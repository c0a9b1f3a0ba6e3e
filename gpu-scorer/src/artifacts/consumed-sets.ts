import type { ConsumedFile, ItemSet } from '@recsys/shared'

export const EMPTY_ITEM_SET: ItemSet = { size: 0, has: () => false }

/**
 * The release's `consumed` artifact in memory, compact: item ids interned once, each user's items as a sorted run
 * of a shared `Uint32Array` (4 bytes an entry), found by binary search. A user's history costs no object per item,
 * so a tenant with millions of consumed pairs stays within a few bytes a pair (docs/relevance-serving.md).
 */
export class ConsumedSets {
  private readonly rowOf: Map<string, number>
  private readonly itemIndex: Map<string, number>
  private readonly offsets: Uint32Array
  private readonly items: Uint32Array

  constructor(file: Pick<ConsumedFile, 'users'> = { users: {} }) {
    this.itemIndex = new Map()
    const users = Object.keys(file.users)
    this.rowOf = new Map(users.map((u, i) => [u, i]))
    this.offsets = new Uint32Array(users.length + 1)
    let total = 0
    users.forEach((u, i) => {
      total += file.users[u]!.length
      this.offsets[i + 1] = total
    })
    this.items = new Uint32Array(total)
    users.forEach((u, i) => {
      const start = this.offsets[i]!
      const list = file.users[u]!
      for (let j = 0; j < list.length; j++) {
        const id = list[j]!
        let k = this.itemIndex.get(id)
        if (k === undefined) this.itemIndex.set(id, (k = this.itemIndex.size))
        this.items[start + j] = k
      }
      this.items.subarray(start, start + list.length).sort()
    })
  }

  /** Users with a history. */
  get users(): number {
    return this.rowOf.size
  }

  /** Consumed (user, item) pairs held. */
  get pairs(): number {
    return this.items.length
  }

  /** The user's consumed items (by bare user id); empty for a user the release does not know. */
  of(userId: string): ItemSet {
    const row = this.rowOf.get(userId)
    if (row === undefined) return EMPTY_ITEM_SET
    const start = this.offsets[row]!
    const end = this.offsets[row + 1]!
    if (start === end) return EMPTY_ITEM_SET
    const items = this.items
    const index = this.itemIndex
    return {
      size: end - start,
      has(itemId) {
        const k = index.get(itemId)
        if (k === undefined) return false
        let lo = start
        let hi = end - 1
        while (lo <= hi) {
          const mid = (lo + hi) >>> 1
          const v = items[mid]!
          if (v === k) return true
          if (v < k) lo = mid + 1
          else hi = mid - 1
        }
        return false
      },
    }
  }
}

/** Both sets' items (sizes add up: an item in both counts twice, which only over-estimates). */
export function unionOf(a: ItemSet, b: ItemSet): ItemSet {
  if (b.size === 0) return a
  if (a.size === 0) return b
  return { size: a.size + b.size, has: (id) => a.has(id) || b.has(id) }
}
