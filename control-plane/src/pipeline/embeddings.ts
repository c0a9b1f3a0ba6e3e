import { seededRandom } from '@recsys/shared'
import type { Dataset } from './dataset'

export interface Embeddings {
  dims: number
  items: string[]
  /** items.length × dims, unit length rows (zero rows for items nobody touched). */
  itemVectors: Float32Array
  users: string[]
  /** users.length × dims, unit length rows. */
  userVectors: Float32Array
}

function normalizeRows(m: Float32Array, dims: number) {
  for (let r = 0; r < m.length / dims; r++) {
    let n = 0
    for (let i = 0; i < dims; i++) n += m[r * dims + i]! ** 2
    n = Math.sqrt(n)
    if (n > 0) for (let i = 0; i < dims; i++) m[r * dims + i]! /= n
  }
}

/**
 * Item and user embeddings by random indexing: every user gets a seeded random ±1 vector; an item's vector is the
 * weighted sum of the vectors of the users who touched it (a random projection of its column of the interaction
 * matrix, so items with similar audiences point the same way); a user's vector is the mean of their items'. Rows
 * are unit length, so inner product is cosine similarity.
 * @note A stand-in until the batch pipeline trains matrix factorisation (issue 6) — deterministic for a seed, cheap,
 * and good enough for the scorer's ANN source to retrieve items near a user's history.
 */
export function randomIndexingEmbeddings(data: Dataset, dims: number, seed: number): Embeddings {
  const rand = seededRandom(seed)
  const users = data.users.map((u) => u.user_id)
  const userRow = new Map(users.map((u, i) => [u, i]))
  const items = data.items.map((it) => it.item_id)
  const itemRow = new Map(items.map((it, i) => [it, i]))
  const basis = Float32Array.from({ length: users.length * dims }, () => (rand() < 0.5 ? -1 : 1))
  const itemVectors = new Float32Array(items.length * dims)
  for (const x of data.interactions) {
    const u = userRow.get(x.user_id)
    const i = itemRow.get(x.item_id)
    if (u === undefined || i === undefined) continue
    for (let d = 0; d < dims; d++) itemVectors[i * dims + d]! += x.weight * basis[u * dims + d]!
  }
  normalizeRows(itemVectors, dims)
  const userVectors = new Float32Array(users.length * dims)
  for (const x of data.interactions) {
    const u = userRow.get(x.user_id)
    const i = itemRow.get(x.item_id)
    if (u === undefined || i === undefined) continue
    for (let d = 0; d < dims; d++)
      userVectors[u * dims + d]! += x.weight * itemVectors[i * dims + d]!
  }
  normalizeRows(userVectors, dims)
  return { dims, items, itemVectors, users, userVectors }
}
