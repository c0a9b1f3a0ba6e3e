/**
 * A small LRU map for isolate memory, bounded by entries and, when entries are given a weight (e.g. the length of
 * the JSON they were parsed from), by their total weight: a few large documents must not take the isolate's memory
 * (128 MB on Workers) where many small ones would have been fine.
 */
export class Lru<K, V> {
  private readonly map = new Map<K, { value: V; weight: number }>()
  private total = 0

  constructor(
    private readonly maxEntries: number,
    private readonly maxWeight = Infinity,
  ) {}

  /** Entries held, and their total weight. */
  get size(): number {
    return this.map.size
  }
  get weight(): number {
    return this.total
  }

  get(key: K): V | undefined {
    const e = this.map.get(key)
    if (e === undefined) return undefined
    this.map.delete(key)
    this.map.set(key, e)
    return e.value
  }

  /** Holds `value` as the most recent entry; one heavier than the whole budget is not held at all. */
  set(key: K, value: V, weight = 1): void {
    this.delete(key)
    if (weight > this.maxWeight) return
    this.map.set(key, { value, weight })
    this.total += weight
    while (this.map.size > this.maxEntries || this.total > this.maxWeight) {
      const oldest = this.map.keys().next().value as K
      this.delete(oldest)
    }
  }

  delete(key: K): void {
    const e = this.map.get(key)
    if (e === undefined) return
    this.map.delete(key)
    this.total -= e.weight
  }
}
