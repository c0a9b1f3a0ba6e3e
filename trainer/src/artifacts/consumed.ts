import type { ConsumedFile } from '@recsys/shared'
import type { Interaction } from '../data/dataset'

/**
 * Items a user's consumed set keeps at most: their newest 1,000. A bound keeps one heavy user (a bot, a
 * collector) from growing every scorer's memory; 1,000 covers the whole history of all but the heaviest
 * MovieLens raters (docs/relevance-serving.md has the figures).
 */
export const CONSUMED_PER_USER = 1000

/**
 * The `consumed` artifact: each user's distinct items, newest interaction first (ties by item id), at most
 * `maxPerUser` of them. Users are in id order, so the same interactions give the same bytes.
 */
export function consumedFile(
  interactions: Iterable<Pick<Interaction, 'user_id' | 'item_id' | 'ts'>>,
  maxPerUser: number = CONSUMED_PER_USER,
): ConsumedFile {
  if (!(Number.isInteger(maxPerUser) && maxPerUser >= 1))
    throw new Error(`consumedFile: maxPerUser must be a positive integer, got ${maxPerUser}`)
  const last = new Map<string, Map<string, number>>()
  for (const x of interactions) {
    let mine = last.get(x.user_id)
    if (!mine) last.set(x.user_id, (mine = new Map()))
    const at = mine.get(x.item_id)
    if (at === undefined || x.ts > at) mine.set(x.item_id, x.ts)
  }
  const users: Record<string, string[]> = {}
  for (const user of [...last.keys()].sort()) {
    users[user] = [...last.get(user)!]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, maxPerUser)
      .map(([item]) => item)
  }
  return { max_per_user: maxPerUser, users }
}
