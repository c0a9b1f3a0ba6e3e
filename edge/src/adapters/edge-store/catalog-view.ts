import { CatalogShard, kvKeys, shardOf, type CatalogFlags } from '@recsys/shared'
import type { EdgeStore } from './interface'

/**
 * The catalog flags of one release, loaded shard by shard as candidates need them.
 * @note `get` is synchronous (filters are pure); call `preload` with a rung's candidates first. An item whose shard
 * is not loaded reads as absent, and absent items are not servable.
 */
export class CatalogView {
  private readonly shards = new Map<number, Readonly<Record<string, CatalogFlags>>>()
  /** Per-request memo: filters and rerank look the same item up several times. */
  private readonly memo = new Map<string, CatalogFlags | undefined>()

  constructor(
    private readonly store: EdgeStore,
    private readonly tenant: string,
    private readonly release: string,
    private readonly shardCount: number,
    /** Flags kept in isolate memory with the emergency list, used when a shard cannot be read. */
    private readonly remembered?: ReadonlyMap<string, CatalogFlags>,
  ) {}

  /** Loads the shards holding these items; throws when a shard cannot be read. */
  async preload(itemIds: readonly string[]): Promise<void> {
    const needed = new Set<number>()
    for (const id of itemIds) {
      const s = shardOf(id, this.shardCount)
      if (!this.shards.has(s)) needed.add(s)
    }
    await Promise.all(
      [...needed].map(async (s) => {
        const doc = await this.store.getImmutable(
          kvKeys.catalogShard(this.tenant, this.release, s),
          CatalogShard,
        )
        this.shards.set(s, doc?.items ?? {})
      }),
    )
    // A lookup made before its shard was loaded must not stay memoized as absent.
    if (needed.size > 0) this.memo.clear()
  }

  get = (itemId: string): CatalogFlags | undefined => {
    if (this.memo.has(itemId)) return this.memo.get(itemId)
    const shard = this.shards.get(shardOf(itemId, this.shardCount))
    // Own properties only: an id like `constructor` must not read Object.prototype's member as its flags.
    const flags = shard
      ? Object.hasOwn(shard, itemId)
        ? shard[itemId]
        : undefined
      : this.remembered?.get(itemId)
    this.memo.set(itemId, flags)
    return flags
  }
}
