import { seededRandom } from '@recsys/shared'
import type { Interaction } from '../data/dataset'

/**
 * Implicit-feedback ALS (Hu, Koren & Volinsky 2008): every (user, item) cell has preference p = 1 if observed, else
 * 0, and confidence c = 1 + alpha × weight if observed, else 1; minimise
 * Σ c (p − xᵤ·yᵢ)² + reg (Σ|xᵤ|² + Σ|yᵢ|²) by alternating least squares. Each row's linear system is solved by a few
 * conjugate-gradient steps warm-started from the current row (Takács et al. 2011), so a half-sweep costs
 * O(nnz × f × steps + rows × f² × steps) and never materialises a dense matrix.
 */

export interface AlsOptions {
  factors?: number
  iterations?: number
  /** Confidence slope: c = 1 + alpha × weight. */
  alpha?: number
  reg?: number
  /** Conjugate-gradient steps per row and half-sweep (f steps solve exactly, in exact arithmetic). */
  cgSteps?: number
  seed?: number
  /** Called after each iteration with the training loss (costs one extra pass). */
  onIteration?: (iteration: number, loss: number) => void
}

/** The matrix factorisation the pipeline trains and evaluates (tuned on ml-latest-small's leave-last-5). */
export const ALS_PARAMS = {
  factors: 32,
  iterations: 10,
  alpha: 10,
  reg: 0.1,
  cgSteps: 3,
} as const satisfies AlsOptions

export interface AlsModel {
  factors: number
  users: string[]
  items: string[]
  /** users.length × factors, row-major. */
  userFactors: Float64Array
  /** items.length × factors, row-major. */
  itemFactors: Float64Array
  userIndex: Map<string, number>
  itemIndex: Map<string, number>
}

/** A sparse matrix by rows: the columns and confidences − 1 of row r are at ptr[r] … ptr[r + 1]. */
interface Csr {
  ptr: Int32Array
  col: Int32Array
  /** c − 1 = alpha × weight. */
  conf: Float64Array
}

/** Entries sorted by (row, column) first, so sums run in the same order whatever the input order. */
function csr(rows: number, entries: Array<[number, number, number]>): Csr {
  entries.sort((a, b) => a[0] - b[0] || a[1] - b[1])
  const ptr = new Int32Array(rows + 1)
  for (const [r] of entries) ptr[r + 1]!++
  for (let r = 0; r < rows; r++) ptr[r + 1]! += ptr[r]!
  const fill = ptr.slice(0, rows)
  const col = new Int32Array(entries.length)
  const conf = new Float64Array(entries.length)
  for (const [r, c, v] of entries) {
    const at = fill[r]!++
    col[at] = c
    conf[at] = v
  }
  return { ptr, col, conf }
}

/** Gram matrix Yᵀ Y (f × f) of a row-major n × f matrix, plus reg on the diagonal. */
function gram(Y: Float64Array, f: number, reg: number): Float64Array {
  const G = new Float64Array(f * f)
  for (let r = 0; r < Y.length / f; r++) {
    const o = r * f
    for (let a = 0; a < f; a++) {
      const ya = Y[o + a]!
      for (let b = a; b < f; b++) G[a * f + b]! += ya * Y[o + b]!
    }
  }
  for (let a = 0; a < f; a++) {
    for (let b = 0; b < a; b++) G[a * f + b] = G[b * f + a]!
    G[a * f + a]! += reg
  }
  return G
}

/**
 * Updates every row of X against the fixed Y: (YᵀY + reg I + Yᵀ (Cᵤ − I) Y) xᵤ = Yᵀ Cᵤ p(u), by CG from xᵤ.
 */
function sweep(X: Float64Array, Y: Float64Array, m: Csr, f: number, reg: number, steps: number) {
  const G = gram(Y, f, reg)
  const x = new Float64Array(f)
  const r = new Float64Array(f)
  const p = new Float64Array(f)
  const Ap = new Float64Array(f)
  const rows = m.ptr.length - 1
  /** Row o of Y (an offset) · w. */
  const dot = (o: number, w: Float64Array) => {
    let s = 0
    for (let d = 0; d < f; d++) s += Y[o + d]! * w[d]!
    return s
  }
  for (let u = 0; u < rows; u++) {
    const ou = u * f
    for (let d = 0; d < f; d++) x[d] = X[ou + d]!
    // r = b − A x, with b = Σ cᵢ yᵢ (p = 1 on observed cells).
    for (let a = 0; a < f; a++) {
      let s = 0
      for (let b = 0; b < f; b++) s += G[a * f + b]! * x[b]!
      r[a] = -s
    }
    for (let k = m.ptr[u]!; k < m.ptr[u + 1]!; k++) {
      const oi = m.col[k]! * f
      const c1 = m.conf[k]!
      const s = c1 + 1 - c1 * dot(oi, x)
      for (let d = 0; d < f; d++) r[d]! += s * Y[oi + d]!
    }
    let rs = 0
    for (let d = 0; d < f; d++) {
      p[d] = r[d]!
      rs += r[d]! * r[d]!
    }
    for (let step = 0; step < steps && rs > 1e-20; step++) {
      for (let a = 0; a < f; a++) {
        let s = 0
        for (let b = 0; b < f; b++) s += G[a * f + b]! * p[b]!
        Ap[a] = s
      }
      for (let k = m.ptr[u]!; k < m.ptr[u + 1]!; k++) {
        const oi = m.col[k]! * f
        const s = m.conf[k]! * dot(oi, p)
        for (let d = 0; d < f; d++) Ap[d]! += s * Y[oi + d]!
      }
      let pAp = 0
      for (let d = 0; d < f; d++) pAp += p[d]! * Ap[d]!
      const alpha = rs / pAp
      let next = 0
      for (let d = 0; d < f; d++) {
        x[d]! += alpha * p[d]!
        r[d]! -= alpha * Ap[d]!
        next += r[d]! * r[d]!
      }
      for (let d = 0; d < f; d++) p[d] = r[d]! + (next / rs) * p[d]!
      rs = next
    }
    for (let d = 0; d < f; d++) X[ou + d] = x[d]!
  }
}

/**
 * The full objective: Σ over all cells of c (p − s)² + reg (|X|² + |Y|²), computed as Σᵤ xᵤᵀ (YᵀY) xᵤ (every cell
 * as if unobserved, p = 0, c = 1) plus the correction on the observed cells.
 */
function alsLoss(
  model: Pick<AlsModel, 'factors' | 'userFactors' | 'itemFactors'>,
  m: Csr,
  reg: number,
): number {
  const { factors: f, userFactors: X, itemFactors: Y } = model
  const G = gram(Y, f, 0)
  let loss = 0
  for (let u = 0; u < m.ptr.length - 1; u++) {
    const ou = u * f
    for (let a = 0; a < f; a++) {
      let s = 0
      for (let b = 0; b < f; b++) s += G[a * f + b]! * X[ou + b]!
      loss += X[ou + a]! * s
    }
    for (let k = m.ptr[u]!; k < m.ptr[u + 1]!; k++) {
      const oi = m.col[k]! * f
      let s = 0
      for (let d = 0; d < f; d++) s += X[ou + d]! * Y[oi + d]!
      const c = 1 + m.conf[k]!
      loss += c * (1 - s) ** 2 - s * s
    }
  }
  let norms = 0
  for (const v of X) norms += v * v
  for (const v of Y) norms += v * v
  return loss + reg * norms
}

/**
 * Trains implicit ALS on the interactions (repeated (user, item) pairs add their weights).
 * @note Deterministic for a seed: users and items are indexed in sorted id order, and the factors start from the
 * seeded generator, uniform in ±0.5/f (small, so the first sweep is driven by the data).
 */
export function trainAls(
  interactions: Iterable<Interaction>,
  {
    factors: f = 32,
    iterations = 10,
    alpha = 10,
    reg = 0.1,
    cgSteps = 3,
    seed = 42,
    onIteration,
  }: AlsOptions = {},
): AlsModel {
  const cells = new Map<string, Map<string, number>>()
  for (const x of interactions) {
    const row = cells.get(x.user_id) ?? new Map<string, number>()
    cells.set(x.user_id, row)
    row.set(x.item_id, (row.get(x.item_id) ?? 0) + x.weight)
  }
  const users = [...cells.keys()].sort()
  const items = [...new Set([...cells.values()].flatMap((r) => [...r.keys()]))].sort()
  const userIndex = new Map(users.map((u, i) => [u, i]))
  const itemIndex = new Map(items.map((it, i) => [it, i]))
  const byUser: Array<[number, number, number]> = []
  const byItem: Array<[number, number, number]> = []
  for (const [u, row] of cells)
    for (const [it, w] of row) {
      byUser.push([userIndex.get(u)!, itemIndex.get(it)!, alpha * w])
      byItem.push([itemIndex.get(it)!, userIndex.get(u)!, alpha * w])
    }
  const Cu = csr(users.length, byUser)
  const Ci = csr(items.length, byItem)
  const rand = seededRandom(seed)
  const init = (n: number) => Float64Array.from({ length: n * f }, () => (rand() - 0.5) / f)
  const model: AlsModel = {
    factors: f,
    users,
    items,
    userFactors: init(users.length),
    itemFactors: init(items.length),
    userIndex,
    itemIndex,
  }
  for (let it = 0; it < iterations; it++) {
    sweep(model.userFactors, model.itemFactors, Cu, f, reg, cgSteps)
    sweep(model.itemFactors, model.userFactors, Ci, f, reg, cgSteps)
    if (onIteration) onIteration(it, alsLoss(model, Cu, reg))
  }
  return model
}

/** The score of every item for a user (xᵤ·yᵢ, in `model.items` order); undefined for an unknown user. */
export function alsScores(model: AlsModel, user: string): Float64Array | undefined {
  const u = model.userIndex.get(user)
  if (u === undefined) return undefined
  const f = model.factors
  const out = new Float64Array(model.items.length)
  for (let i = 0; i < out.length; i++) {
    let s = 0
    for (let d = 0; d < f; d++) s += model.userFactors[u * f + d]! * model.itemFactors[i * f + d]!
    out[i] = s
  }
  return out
}
