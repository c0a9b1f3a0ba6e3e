// The inverse of a symmetric positive definite matrix on its own thread (started by `spd-inverse.ts`), so that a
// large inversion (tens of seconds for EASE) does not block the event loop of the process that asked for it. Plain
// JavaScript: a worker thread gets no TypeScript loader under every runner (tsx, vitest), and this file needs none.
//
// workerData: { models: { mul, neg, tsub, tsubt }: Uint8Array (gemm-graph.ts), threads, leaf }
// In (once):  { a: Float64Array | Float32Array (n × n, row-major, its buffer transferred), n }
// Out:        { inverse (same type, transferred) } or { error }
//
// Block inversion by the Schur complement, recursively. With A the leading k × k block, B the k × r block beside
// it and C the trailing r × r block (r = n − k):
//   Ai = A⁻¹, AiB = Ai·B, S = C − Bᵀ·AiB, Si = S⁻¹, X12 = −AiB·Si, X11 = Ai − X12·AiBᵀ
//   G⁻¹ = [[X11, X12], [X12ᵀ, Si]]
// Every product is an onnxruntime Gemm (MLAS, multi-threaded); blocks of at most `leaf` rows are inverted here by
// Cholesky. A, and every S, of an SPD matrix are SPD, so no pivoting is needed; a pivot ≤ 0 at a leaf means the
// input was not positive definite (numerically), and the call fails saying so.
import { parentPort, workerData } from 'node:worker_threads'
import * as ort from 'onnxruntime-node'

const { models, threads, leaf } = workerData
const options = { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential' }
const sessions = {}

/** `Y = gemm(A, B[, C])` with the named session; shapes as [rows, cols]. */
async function gemm(name, type, A, aShape, B, bShape, C, cShape) {
  const feeds = { A: new ort.Tensor(type, A, aShape), B: new ort.Tensor(type, B, bShape) }
  if (C) feeds.C = new ort.Tensor(type, C, cShape)
  const out = await sessions[name].run(feeds)
  return out.Y.data
}

/** The rows × cols block of the n-wide row-major `a` at (r0, c0), copied. */
function block(a, n, r0, c0, rows, cols) {
  const out = new a.constructor(rows * cols)
  for (let i = 0; i < rows; i++)
    out.set(a.subarray((r0 + i) * n + c0, (r0 + i) * n + c0 + cols), i * cols)
  return out
}

/** Inverse of a small SPD block by Cholesky (G = L·Lᵀ, G⁻¹ = L⁻ᵀ·L⁻¹), in float64 whatever the input type. */
function leafInverse(a, n) {
  const L = new Float64Array(n * n)
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j]
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k]
      if (i === j) {
        if (!(s > 0))
          throw new Error(`the matrix is not positive definite (pivot ${s} at a leaf row ${i})`)
        L[i * n + i] = Math.sqrt(s)
      } else L[i * n + j] = s / L[j * n + j]
    }
  // W = L⁻¹ (lower triangular), by forward substitution column by column.
  const W = new Float64Array(n * n)
  for (let i = 0; i < n; i++) {
    W[i * n + i] = 1 / L[i * n + i]
    for (let j = 0; j < i; j++) {
      let s = 0
      for (let k = j; k < i; k++) s += L[i * n + k] * W[k * n + j]
      W[i * n + j] = -s / L[i * n + i]
    }
  }
  const out = new a.constructor(n * n)
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = 0
      for (let k = i; k < n; k++) s += W[k * n + i] * W[k * n + j]
      out[i * n + j] = s
      out[j * n + i] = s
    }
  return out
}

/**
 * The inverse of `box.a` (n × n). The box is emptied first, so that once a block is copied out of it nothing holds
 * the matrix: intermediate blocks are dropped as soon as they are used (an 8,757-item EASE matrix is 613 MB).
 */
async function inverse(box, n, type) {
  let a = box.a
  box.a = undefined
  if (n <= leaf) return leafInverse(a, n)
  // Split near the middle, on a multiple of 64 where that is possible (aligned rows for the kernels).
  const k = n >= 256 ? Math.round(n / 128) * 64 : n >> 1
  const r = n - k
  const A = { a: block(a, n, 0, 0, k, k) }
  let B = block(a, n, 0, k, k, r)
  let C = block(a, n, k, k, r, r)
  a = undefined
  let Ai = await inverse(A, k, type)
  let AiB = await gemm('mul', type, Ai, [k, k], B, [k, r])
  const S = { a: await gemm('tsub', type, B, [k, r], AiB, [k, r], C, [r, r]) }
  B = C = undefined
  const Si = await inverse(S, r, type)
  const X12 = await gemm('neg', type, AiB, [k, r], Si, [r, r])
  const X11 = await gemm('tsubt', type, X12, [k, r], AiB, [k, r], Ai, [k, k])
  Ai = AiB = undefined
  const out = new Si.constructor(n * n)
  for (let i = 0; i < k; i++) {
    out.set(X11.subarray(i * k, (i + 1) * k), i * n)
    out.set(X12.subarray(i * r, (i + 1) * r), i * n + k)
  }
  for (let i = 0; i < r; i++) {
    const row = (k + i) * n
    for (let j = 0; j < k; j++) out[row + j] = X12[j * r + i]
    out.set(Si.subarray(i * r, (i + 1) * r), row + k)
  }
  return out
}

// The sessions are released before the answer is sent, and the thread then ends by itself (no listener is left):
// terminating it from outside while onnxruntime's native release is still running aborts the whole process
// ("terminate called after throwing an instance of 'Napi::Error'"), as a full test run once did.
parentPort.once('message', async (job) => {
  let answer
  let transfer = []
  try {
    const type = job.a instanceof Float64Array ? 'float64' : 'float32'
    for (const [name, bytes] of Object.entries(models[type]))
      sessions[name] = await ort.InferenceSession.create(bytes, options)
    const inv = await inverse(job, job.n, type)
    answer = { inverse: inv }
    transfer = [inv.buffer]
  } catch (e) {
    answer = { error: String(e?.message ?? e) }
  }
  try {
    await Promise.all(Object.values(sessions).map((s) => s.release()))
  } catch (e) {
    answer ??= { error: `releasing the sessions: ${String(e?.message ?? e)}` }
  }
  parentPort.postMessage(answer, transfer)
})
