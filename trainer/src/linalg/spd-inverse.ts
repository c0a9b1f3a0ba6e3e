import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { gemmModel, type GemmSpec, type Precision } from './gemm-graph'

const WORKER_URL = new URL('./spd-inverse-worker.mjs', import.meta.url)

/** The four products of the block inversion (see the worker): A·B, −A·B, C − Aᵀ·B, C − A·Bᵀ. */
const GEMMS: Record<string, GemmSpec> = {
  mul: {},
  neg: { alpha: -1 },
  tsub: { transA: true, alpha: -1, beta: 1 },
  tsubt: { transB: true, alpha: -1, beta: 1 },
}

const models = (precision: Precision) =>
  Object.fromEntries(Object.entries(GEMMS).map(([k, spec]) => [k, gemmModel(spec, precision)]))

export interface InverseOptions {
  /** onnxruntime's intra-op threads (default: the machine's parallelism). */
  threads?: number
  /** Blocks of at most this many rows are inverted by Cholesky in JavaScript (default 128). */
  leaf?: number
}

/**
 * The inverse of a symmetric positive definite n × n matrix (row-major), computed on a worker thread by recursive
 * block inversion whose products run as onnxruntime Gemms. The element type of `a` (float64 or float32) is that of
 * the computation and of the result.
 * @note `a`'s buffer is transferred to the worker: it is detached (empty) when this returns. Rejects, with the
 * reason, when the matrix is not (numerically) positive definite.
 */
export function invertSpd<T extends Float64Array | Float32Array>(
  a: T,
  n: number,
  { threads = availableParallelism(), leaf = 128 }: InverseOptions = {},
): Promise<T> {
  if (!Number.isInteger(n) || n < 1 || a.length !== n * n)
    return Promise.reject(
      new RangeError(`expected an n × n matrix, got ${a.length} values for n = ${n}`),
    )
  const precision: Precision = a instanceof Float64Array ? 'float64' : 'float32'
  const worker = new Worker(WORKER_URL, {
    workerData: { models: { [precision]: models(precision) }, threads, leaf },
  })
  // The worker ends by itself once it has answered, its onnxruntime sessions released: it is never terminated
  // from here (a termination during onnxruntime's native release aborts the process).
  return new Promise<T>((resolve, reject) => {
    worker.once('message', (m: { inverse?: T; error?: string }) => {
      if (m.inverse) resolve(m.inverse)
      else reject(new Error(`SPD inverse: ${m.error}`))
    })
    worker.once('error', (e) => reject(e))
    worker.once('exit', (code) =>
      reject(new Error(`SPD inverse: the worker exited (${code}) without an answer`)),
    )
    worker.postMessage({ a, n }, [a.buffer as ArrayBuffer])
  })
}
