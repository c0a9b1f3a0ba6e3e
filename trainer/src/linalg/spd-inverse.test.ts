import { seededRandom } from '@recsys/shared'
import { describe, expect, it } from 'vitest'
import { invertSpd } from './spd-inverse'

/** A random SPD matrix shaped like EASE's: the Gram matrix of a sparse binary users × items matrix, plus λ·I. */
function gram(n: number, seed: number, lambda = 5): Float64Array {
  const r = seededRandom(seed)
  const G = new Float64Array(n * n)
  for (let u = 0; u < 3 * n; u++) {
    const items = Array.from({ length: n }, (_, i) => i).filter(() => r() < 0.2)
    for (const i of items) for (const j of items) G[i * n + j]! += 1
  }
  for (let i = 0; i < n; i++) G[i * n + i]! += lambda
  return G
}

/** max |G·P − I|, computed here in float64. */
function residual(G: ArrayLike<number>, P: ArrayLike<number>, n: number): number {
  let worst = 0
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let v = 0
      for (let k = 0; k < n; k++) v += G[i * n + k]! * P[k * n + j]!
      worst = Math.max(worst, Math.abs(v - (i === j ? 1 : 0)))
    }
  return worst
}

describe('invertSpd (worker thread, onnxruntime Gemm)', () => {
  it.each([
    [1, 128],
    [5, 128],
    // One split (130 > 128): the Gemm path once, with blocks of 64 and 66 rows.
    [130, 128],
    // Deep recursion with uneven halves down to leaves of at most 7 rows.
    [150, 7],
  ])(
    'inverts a %i-row SPD matrix (leaves of at most %i rows) to float64 precision',
    async (n, leaf) => {
      const G = gram(n, n)
      const P = await invertSpd(G.slice(), n, { leaf })
      expect(P).toBeInstanceOf(Float64Array)
      expect(residual(G, P, n)).toBeLessThan(1e-10)
      // Symmetric, as the inverse of a symmetric matrix is.
      for (let i = 0; i < n; i++)
        for (let j = 0; j < i; j++) expect(P[i * n + j]).toBeCloseTo(P[j * n + i]!, 12)
    },
  )

  it('computes in float32 when given float32', async () => {
    const n = 150
    const G = gram(n, 3)
    const P = await invertSpd(Float32Array.from(G), n, { leaf: 16 })
    expect(P).toBeInstanceOf(Float32Array)
    expect(residual(G, P, n)).toBeLessThan(1e-4)
  })

  it('takes the input buffer (transferred to the worker)', async () => {
    const G = gram(4, 1)
    await invertSpd(G, 4)
    expect(G.length).toBe(0)
  })

  it('refuses a matrix that is not positive definite, and a wrong shape', async () => {
    // Symmetric with eigenvalues 3 and −1.
    await expect(invertSpd(Float64Array.of(1, 2, 2, 1), 2)).rejects.toThrow(/not positive definite/)
    // The same defect in a trailing Schur complement, below the Gemm path.
    const n = 40
    const G = gram(n, 2)
    G[(n - 1) * n + (n - 1)] = -50
    await expect(invertSpd(G, n, { leaf: 8 })).rejects.toThrow(/not positive definite/)
    await expect(invertSpd(new Float64Array(5), 2)).rejects.toThrow(RangeError)
  })
})
