import { seededRandom } from '@recsys/shared'
import { describe, expect, it } from 'vitest'
import { easeScores, trainEase } from './ease'

/**
 * The brute-force reference: EASE's B column by column, as the constrained least-squares problem it solves,
 * `b_j = argmin ‖x_j − X_{−j} b‖² + λ‖b‖²` over the other items (so B_jj = 0), i.e. the ridge normal equations
 * `(X_{−j}ᵀX_{−j} + λI) b = X_{−j}ᵀ x_j`, solved by Gaussian elimination with partial pivoting. No inverse of the
 * full Gram matrix is formed.
 */
function bruteForceEase(X: number[][], lambda: number): number[][] {
  const n = X[0]!.length
  const B = Array.from({ length: n }, () => new Array<number>(n).fill(0))
  for (let j = 0; j < n; j++) {
    const others = [...Array(n).keys()].filter((i) => i !== j)
    const m = others.length
    const A = others.map((a) =>
      others.map((b) => X.reduce((s, row) => s + row[a]! * row[b]!, 0) + (a === b ? lambda : 0)),
    )
    const y = others.map((a) => X.reduce((s, row) => s + row[a]! * row[j]!, 0))
    for (let c = 0; c < m; c++) {
      let p = c
      for (let r = c + 1; r < m; r++) if (Math.abs(A[r]![c]!) > Math.abs(A[p]![c]!)) p = r
      ;[A[c], A[p]] = [A[p]!, A[c]!]
      ;[y[c], y[p]] = [y[p]!, y[c]!]
      for (let r = c + 1; r < m; r++) {
        const f = A[r]![c]! / A[c]![c]!
        for (let k = c; k < m; k++) A[r]![k]! -= f * A[c]![k]!
        y[r]! -= f * y[c]!
      }
    }
    const b = new Array<number>(m).fill(0)
    for (let r = m - 1; r >= 0; r--) {
      let s = y[r]!
      for (let k = r + 1; k < m; k++) s -= A[r]![k]! * b[k]!
      b[r] = s / A[r]![r]!
    }
    others.forEach((i, k) => (B[i]![j] = b[k]!))
  }
  return B
}

/** A random binary users × items matrix and its pairs (item ids padded so id order is column order). */
function randomData(users: number, items: number, seed: number, density = 0.35) {
  const r = seededRandom(seed)
  const X = Array.from({ length: users }, () =>
    Array.from({ length: items }, () => (r() < density ? 1 : 0)),
  )
  const id = (i: number) => `i${String(i).padStart(3, '0')}`
  const pairs = X.flatMap((row, u) =>
    row.flatMap((v, i) => (v ? [{ user_id: `u${u}`, item_id: id(i) }] : [])),
  )
  return { X, pairs, id }
}

describe('EASE', () => {
  // B is stored in float32 either way (7 digits); the float32 inversion loses about two more.
  it.each([
    ['float64', 5e-8],
    ['float32', 1e-5],
  ] as const)(
    'equals the brute-force column-wise ridge solution (%s, recursion down to 3-row leaves)',
    async (precision, tolerance) => {
      const { X, pairs } = randomData(30, 12, 7)
      const lambda = 2.5
      const r = await trainEase(pairs, { lambda, minSupport: 1, precision, inverse: { leaf: 3 } })
      if (!r.ok) throw new Error(r.error.message)
      const n = 12
      expect(r.value.items).toHaveLength(n)
      const ref = bruteForceEase(X, lambda)
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++)
          expect(Math.abs(r.value.weights[i * n + j]! - ref[i]![j]!)).toBeLessThan(tolerance)
      // A user's scores are x·B: the sum of the rows of their items.
      const u = 4
      const mine = X[u]!.flatMap((v, i) => (v ? [i] : []))
      const s = easeScores(
        r.value,
        mine.map((i) => r.value.items[i]!),
      )
      for (let j = 0; j < n; j++)
        expect(s[j]).toBeCloseTo(
          mine.reduce((t, i) => t + ref[i]![j]!, 0),
          5,
        )
    },
  )

  it('leaves out items below the minimum support, and ignores them in histories', async () => {
    const { pairs, id } = randomData(20, 8, 3, 0.5)
    // One more item that a single user touched.
    const lonely = { user_id: 'u0', item_id: 'zz-once' }
    const r = await trainEase([...pairs, lonely], { minSupport: 2 })
    if (!r.ok) throw new Error(r.error.message)
    expect(r.value.items).not.toContain('zz-once')
    expect(r.value.items).toContain(id(0))
    expect(easeScores(r.value, ['zz-once'])).toEqual(new Float64Array(r.value.items.length))
  })

  it('refuses a catalog above maxItems with a clear message, before any work', async () => {
    const { pairs } = randomData(10, 40, 1, 0.5)
    const r = await trainEase(pairs, { minSupport: 1, maxItems: 30 })
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.error).toMatchObject({ code: 'CATALOG_TOO_LARGE', max_items: 30 })
    expect(r.error.items).toBeGreaterThan(30)
    expect(r.error.message).toMatch(/above the limit of 30.*GiB.*minSupport/)
  })

  it('trains on nothing to an empty model, and rejects λ ≤ 0', async () => {
    const r = await trainEase([])
    expect(r.ok && r.value.items).toEqual([])
    await expect(trainEase([], { lambda: 0 })).rejects.toThrow(RangeError)
  })
})
