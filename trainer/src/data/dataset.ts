/**
 * The input of the pipeline's compute steps: items, users and their interactions. The synthetic generator produces
 * it today; the batch pipeline will read the same shape from the event log.
 */

export const DAY_MS = 86_400_000

/** One catalog item with the flags serving needs (the title is for humans and the console only). */
export interface DatasetItem {
  item_id: string
  title: string
  /** The first category is the item's primary one. */
  categories: string[]
  /** ms since epoch. */
  published_at: number
  available: boolean
  /** Minimum viewer age; 0 means all ages. */
  min_age: number
  /** Cleared for exploration slots. */
  safe: boolean
  sponsored: boolean
}

/** One user and the taste cluster they belong to (their segment is `cluster-<cluster>`). */
export interface DatasetUser {
  user_id: string
  cluster: number
}

/** One interaction: `weight` is its strength (1 for a view, more for stronger signals). */
export interface Interaction {
  user_id: string
  item_id: string
  /** ms since epoch. */
  ts: number
  weight: number
}

export interface Dataset {
  items: DatasetItem[]
  users: DatasetUser[]
  /** The generator orders them by `ts`, like an event log; consumers do not rely on the order. */
  interactions: Interaction[]
}

/** The interactions with catalog items only: what every model learns from (the log may name other items). */
export function catalogInteractions(data: Pick<Dataset, 'items' | 'interactions'>): Interaction[] {
  const known = new Set(data.items.map((it) => it.item_id))
  return data.interactions.filter((x) => known.has(x.item_id))
}

/** Each user's distinct items. */
export function itemsByUser(
  interactions: Iterable<Pick<Interaction, 'user_id' | 'item_id'>>,
): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>()
  for (const x of interactions) {
    const mine = out.get(x.user_id)
    if (mine) mine.add(x.item_id)
    else out.set(x.user_id, new Set([x.item_id]))
  }
  return out
}
