import { Worker } from 'node:worker_threads'
import type * as ort from 'onnxruntime-node'

const WORKER_URL = new URL('./inference-worker.mjs', import.meta.url)

/** How long a closing thread may take to finish its batches and release its session before it is terminated. */
const CLOSE_TIMEOUT_MS = 5000
/**
 * A batch not answered in this long means a hung thread: its batches fail and the next batch starts a new thread.
 * The hung one is told to close when it gets back, not terminated: terminating a thread inside onnxruntime's native
 * code takes the whole process down.
 */
export const BATCH_TIMEOUT_MS = 10_000

export interface InferenceThreadOptions {
  bytes: Uint8Array
  options: ort.InferenceSession.SessionOptions
  inputName: string
  outputName: string
  /** Features per row. */
  width: number
  /** Default {@link BATCH_TIMEOUT_MS}. */
  batchTimeoutMs?: number
}

interface Pending {
  resolve: (scores: Float32Array) => void
  reject: (e: Error) => void
}

type FromWorker =
  | { type: 'ready'; inputNames: string[]; outputNames: string[] }
  | { type: 'failed'; error: string }
  | { id: number; scores: Float32Array; error?: undefined }
  | { id: number; error: string }

/**
 * One ranker's onnxruntime session on a worker thread (`inference-worker.mjs`). onnxruntime-node runs a session
 * synchronously on the calling thread; on the event loop, every batch would stall HTTP, retrieval and feature work
 * of the other requests for its whole duration (and on a GPU, for the whole kernel). Here the event loop only
 * copies the batch's features over and gets the scores back, and requests that arrive meanwhile queue for the
 * next batch. A thread that dies (a crash in native code) fails its in-flight batches with the reason and is
 * started again on the next batch.
 */
export class InferenceThread {
  private worker: Worker | undefined
  private ready: Promise<{ inputNames: string[]; outputNames: string[] }> | undefined
  private readonly pending = new Map<number, Pending>()
  /** Batches from `run` until they settle (sent or not yet). */
  private readonly inflight = new Set<Promise<Float32Array>>()
  private nextId = 0
  private closed = false
  /** Threads started, the first one included (a restart after a crash adds one). */
  starts = 0

  constructor(private readonly opts: InferenceThreadOptions) {}

  /** Starts the thread; resolves once its session is created (with the graph's names), rejects with why not. */
  start(): Promise<{ inputNames: string[]; outputNames: string[] }> {
    const { bytes, options, inputName, outputName, width } = this.opts
    const w = new Worker(WORKER_URL, {
      workerData: { bytes, options, inputName, outputName, width },
    })
    // Never keeps the process alive by itself (a test, or a scorer stopping).
    w.unref()
    this.worker = w
    this.starts++
    this.ready = new Promise((resolve, reject) => {
      w.on('message', (m: FromWorker) => {
        if ('type' in m) {
          if (m.type === 'ready') resolve(m)
          else reject(new Error(m.error))
          return
        }
        const p = this.pending.get(m.id)
        if (!p) return
        this.pending.delete(m.id)
        if (m.error !== undefined) p.reject(new Error(`inference failed: ${m.error}`))
        else p.resolve(m.scores)
      })
      w.on('error', (e) => {
        reject(e)
        this.lost(w, new Error(`inference thread failed: ${e.message}`))
      })
      w.on('exit', (code) => {
        const e = new Error(`inference thread exited with code ${code}`)
        reject(e)
        this.lost(w, e)
      })
    })
    return this.ready
  }

  /** Scores `rows` rows of `features` (row-major `[rows × width]`); the array is copied, not taken. */
  run(features: Float32Array, rows: number): Promise<Float32Array> {
    if (this.closed) return Promise.reject(new Error('inference thread closed (model disposed)'))
    const p = this.send(features, rows)
    this.inflight.add(p)
    p.then(
      () => this.inflight.delete(p),
      () => this.inflight.delete(p),
    )
    return p
  }

  private async send(features: Float32Array, rows: number): Promise<Float32Array> {
    await (this.worker ? this.ready : this.start())
    const copy = features.slice(0, rows * this.opts.width)
    const id = this.nextId++
    const w = this.worker
    if (!w) throw new Error('inference thread exited before the batch was sent')
    const limit = this.opts.batchTimeoutMs ?? BATCH_TIMEOUT_MS
    return new Promise<Float32Array>((resolve, reject) => {
      // A hung session (native code that never returns) would hold the batcher, and so every request, for good.
      const timer = setTimeout(() => {
        this.lost(w, new Error(`inference batch not answered in ${limit} ms: thread abandoned`))
        w.postMessage({ type: 'close' })
      }, limit)
      this.pending.set(id, {
        resolve: (s) => {
          clearTimeout(timer)
          resolve(s)
        },
        reject: (e) => {
          clearTimeout(timer)
          reject(e)
        },
      })
      w.postMessage({ id, rows, features: copy }, [copy.buffer])
    })
  }

  /** Lets in-flight batches finish, releases the session and ends the thread. */
  async close(): Promise<void> {
    this.closed = true
    // In-flight batches finish first; a batch timeout bounds how long that can take.
    await Promise.allSettled([...this.inflight])
    const w = this.worker
    if (!w) return
    const exited = new Promise<void>((r) => w.once('exit', () => r()))
    w.postMessage({ type: 'close' })
    const timer = setTimeout(() => void w.terminate(), CLOSE_TIMEOUT_MS)
    await exited
    clearTimeout(timer)
  }

  /** The thread `w` is gone: its in-flight batches fail, and the next batch starts a new one. */
  private lost(w: Worker, e: Error) {
    if (this.worker !== w) return
    this.worker = undefined
    this.ready = undefined
    for (const p of this.pending.values()) p.reject(e)
    this.pending.clear()
  }

  /** For tests: ends the thread abruptly, as a crash would. */
  async kill(): Promise<void> {
    await this.worker?.terminate()
  }
}
