/**
 * `npm run bench:ease [sizes…] [--f64]`: the EASE inversion (`invertSpd`, worker thread + onnxruntime Gemm) on
 * EASE-like Gram matrices (a sparse binary 600-user matrix's XᵀX + 200·I) of each size, with its time, effective
 * GFLOPS (4/3·n³ flops), residual on 4 rows of G·P − I and the process's peak RSS (worker included). Baseline in
 * the same run: a row-oriented JavaScript Cholesky factorisation (n³/3 flops) at 1,024, the pure-JS alternative.
 */
import { seededRandom } from '@recsys/shared'
import { invertSpd } from '@recsys/trainer/linalg/spd-inverse'

const args = process.argv.slice(2)
const f64 = args.includes('--f64')
const sizes = args.filter((a) => /^\d+$/.test(a)).map(Number)
if (sizes.length === 0) sizes.push(2048, 4096, 8757)

function gram(n: number): Float64Array {
  const r = seededRandom(n)
  const G = new Float64Array(n * n)
  for (let u = 0; u < 600; u++) {
    const items: number[] = []
    for (let i = 0; i < n; i++) if (r() < 0.02) items.push(i)
    for (const i of items) for (const j of items) G[i * n + j]! += 1
  }
  for (let i = 0; i < n; i++) G[i * n + i]! += 200
  return G
}

function jsCholeskyGflops(n: number): number {
  const A = gram(n)
  const L = new Float64Array(n * n)
  const t0 = performance.now()
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j]!
      for (let k = 0; k < j; k++) s -= L[i * n + k]! * L[j * n + k]!
      L[i * n + j] = i === j ? Math.sqrt(s) : s / L[j * n + j]!
    }
  return n ** 3 / 3 / (performance.now() - t0) / 1e6
}

const base = jsCholeskyGflops(1024)
console.log(`baseline: JavaScript Cholesky at 1024: ${base.toFixed(2)} GFLOPS`)
for (const n of sizes) {
  const G = gram(n)
  const input = f64 ? G.slice() : Float32Array.from(G)
  const t0 = performance.now()
  const P = await invertSpd(input, n)
  const ms = performance.now() - t0
  let worst = 0
  for (const i of [0, 1, n >> 1, n - 1])
    for (let j = 0; j < n; j++) {
      let v = 0
      for (let k = 0; k < n; k++) v += G[i * n + k]! * P[k * n + j]!
      worst = Math.max(worst, Math.abs(v - (i === j ? 1 : 0)))
    }
  const gflops = ((4 / 3) * n ** 3) / ms / 1e6
  console.log(
    `${n} items ${f64 ? 'float64' : 'float32'}: ${(ms / 1000).toFixed(1)} s, ${gflops.toFixed(1)} GFLOPS ` +
      `(${(gflops / base).toFixed(0)}× the JS baseline), max|G·P − I| ${worst.toExponential(1)}, ` +
      `peak RSS ${(process.resourceUsage().maxRSS / 1024 ** 2).toFixed(2)} GB`,
  )
}
