import { err, ok, type Result } from '@recsys/shared'
import type { Interaction } from '../data/dataset'
import type { Precision } from '../linalg/gemm-graph'
import { invertSpd, type InverseOptions } from '../linalg/spd-inverse'

/**
 * EASE (Steck 2019): an item × item weight matrix B learnt in closed form from the binary user × item matrix X:
 * `G = XᵀX + λI`, `P = G⁻¹`, `B = −P / diag(P)` column-wise with `diag(B) = 0`; a user's scores are `x·B`, the sum
 * of the rows of B of the items they touched. The inversion (the whole cost, O(n³) in the items) runs on a worker
 * thread with onnxruntime Gemms (linalg/spd-inverse.ts); docs/models.md has its time and memory.
 */

export interface EaseOptions {
  /** The L2 weight λ added to the diagonal of XᵀX. */
  lambda?: number
  /** Items with fewer distinct train users are left out (never scored, and ignored in histories). */
  minSupport?: number
  /** The catalog-size guard: more items than this (after `minSupport`) and training refuses. */
  maxItems?: number
  /** The inversion's element type: float32 is about twice as fast and half the memory. */
  precision?: Precision
  inverse?: InverseOptions
}

/**
 * λ = 200 sits in the middle of ml-latest-small's plateau (λ 100–300 give the same NDCG@10); items need 2 train
 * users (an item seen once cannot co-occur reliably, and dropping them halves that catalog); 10,000 items is the
 * largest matrix the measured machine inverts in about a minute (docs/models.md).
 */
export const EASE_PARAMS = {
  lambda: 200,
  minSupport: 2,
  maxItems: 10_000,
  precision: 'float32',
} as const satisfies EaseOptions

export interface EaseModel {
  /** The modelled items, sorted by id; row and column i of `weights` are items[i]. */
  items: string[]
  itemIndex: Map<string, number>
  /** B, items × items row-major: row i is what touching item i adds to every item's score. */
  weights: Float32Array
  lambda: number
  minSupport: number
}

/** Why EASE did not train: too many items for a dense inversion. */
export interface EaseRefusal {
  code: 'CATALOG_TOO_LARGE'
  message: string
  items: number
  max_items: number
}

/** Bytes of one dense n × n matrix of the given precision (information for the guard's message). */
const gib = (n: number, bytes: number) => ((n * n * bytes) / 2 ** 30).toFixed(1)

/**
 * Trains EASE on the (user, item) pairs of `train` (repeats count once). Resolves to the refusal, not a throw,
 * when the guard stops it; rejects only on a defect (a matrix that is not positive definite cannot come from
 * λ > 0).
 */
export async function trainEase(
  train: Iterable<Pick<Interaction, 'user_id' | 'item_id'>>,
  options: EaseOptions = {},
): Promise<Result<EaseModel, EaseRefusal>> {
  const {
    lambda = EASE_PARAMS.lambda,
    minSupport = EASE_PARAMS.minSupport,
    maxItems = EASE_PARAMS.maxItems,
    precision = EASE_PARAMS.precision,
  } = options
  if (!(lambda > 0)) throw new RangeError(`lambda must be positive, got ${lambda}`)
  const byUser = new Map<string, Set<string>>()
  for (const x of train) {
    const mine = byUser.get(x.user_id)
    if (mine) mine.add(x.item_id)
    else byUser.set(x.user_id, new Set([x.item_id]))
  }
  const support = new Map<string, number>()
  for (const mine of byUser.values())
    for (const item of mine) support.set(item, (support.get(item) ?? 0) + 1)
  const items = [...support]
    .filter(([, users]) => users >= minSupport)
    .map(([id]) => id)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  const n = items.length
  if (n > maxItems)
    return err({
      code: 'CATALOG_TOO_LARGE',
      message:
        `EASE: ${n} items have at least ${minSupport} train users, above the limit of ${maxItems}: ` +
        `its dense ${n} × ${n} inversion needs ${gib(n, precision === 'float64' ? 8 : 4)} GiB per matrix ` +
        `(about 3 at once) and time growing as n³. Raise minSupport, or maxItems where the machine can take it ` +
        `(docs/models.md), or use item-kNN or ALS`,
      items: n,
      max_items: maxItems,
    })
  const itemIndex = new Map(items.map((id, i) => [id, i]))
  const G = precision === 'float64' ? new Float64Array(n * n) : new Float32Array(n * n)
  const rows: number[] = []
  for (const mine of byUser.values()) {
    rows.length = 0
    for (const item of mine) {
      const i = itemIndex.get(item)
      if (i !== undefined) rows.push(i)
    }
    for (const i of rows) for (const j of rows) G[i * n + j]! += 1
  }
  for (let i = 0; i < n; i++) G[i * n + i]! += lambda
  const P = n === 0 ? G : await invertSpd(G, n, options.inverse)
  // B = −P / diag(P) column-wise, diag(B) = 0; in place when P is already float32.
  const diag = new Float64Array(n)
  for (let j = 0; j < n; j++) diag[j] = P[j * n + j]!
  const weights = P instanceof Float32Array ? P : new Float32Array(n * n)
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) weights[i * n + j] = i === j ? 0 : -P[i * n + j]! / diag[j]!
  return ok({ items, itemIndex, weights, lambda, minSupport })
}

/**
 * Every modelled item's score for a user who touched `history` (items outside the model are ignored): the sum of
 * their rows of B, in float64. The history's own items score too; callers leave them out.
 */
export function easeScores(model: EaseModel, history: Iterable<string>): Float64Array {
  const n = model.items.length
  const s = new Float64Array(n)
  for (const item of history) {
    const i = model.itemIndex.get(item)
    if (i === undefined) continue
    const row = model.weights.subarray(i * n, (i + 1) * n)
    for (let j = 0; j < n; j++) s[j]! += row[j]!
  }
  return s
}
