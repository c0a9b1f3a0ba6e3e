import { RANKER_FEATURE_COUNT, RANKER_FEATURES, ModelMetadata } from '@recsys/shared'
import * as ort from 'onnxruntime-node'
import type { ExecutionProviderChoice, InferenceThreadChoice } from '../config'
import { InferenceThread } from './worker-model'

export type ExecutionProvider = 'cpu' | 'cuda'

/**
 * The model port (navi's `Model`): a loaded ONNX ranker whose feature schema equals the shared RANKER_FEATURES.
 * `predict` takes row-major `[rows × RANKER_FEATURE_COUNT]` features and returns one raw output per row.
 */
export interface RankerModel {
  readonly provider: ExecutionProvider
  /** Where its session runs: a worker thread of its own, or the event loop. */
  readonly thread: 'worker' | 'main'
  readonly metadata: ModelMetadata
  predict(features: Float32Array, rows: number): Promise<Float32Array>
  dispose(): Promise<void>
}

/** Throws, naming the mismatch, when the metadata's schema is not the one the shared feature code produces. */
export function checkFeatureSchema(metadata: ModelMetadata): void {
  const got = metadata.feature_schema.features
  if (got.length !== RANKER_FEATURES.length || got.some((f, i) => f !== RANKER_FEATURES[i]))
    throw new Error(
      `model feature schema [${got.join(',')}] is not RANKER_FEATURES [${RANKER_FEATURES.join(',')}]`,
    )
  const input = metadata.feature_schema.inputs[0]!
  const width = input.dims[input.dims.length - 1]
  if (metadata.feature_schema.inputs.length !== 1 || width !== RANKER_FEATURE_COUNT)
    throw new Error(
      `model input ${input.name} ${JSON.stringify(input.dims)} does not take ${RANKER_FEATURE_COUNT} features`,
    )
}

/**
 * When `auto` found CUDA unusable once (a model failed on CUDA and loaded on CPU), later loads go straight to CPU.
 * A model that fails on CPU as well is at fault itself and says nothing about CUDA.
 */
let cudaUnavailable = false

/** Whether `auto` has found CUDA unusable in this process. */
export const cudaFoundUnusable = (): boolean => cudaUnavailable

/** The scorer's session options (the benchmark's bare-inference baseline uses the same). */
export const sessionOptions = (ep: ExecutionProvider): ort.InferenceSession.SessionOptions => ({
  executionProviders: [ep],
  graphOptimizationLevel: 'all',
  // One intra-op thread that sleeps when idle: a batch of a small ranker takes well under a millisecond, and
  // spinning pool threads would take the cores the event loop (retrieval, features, HTTP) needs.
  intraOpNumThreads: 1,
  extra: { session: { intra_op: { allow_spinning: '0' } } },
})

/** A session on the event loop's thread, or on its own (`SCORER_INFERENCE_THREAD`). */
interface Session {
  thread: 'worker' | 'main'
  inputNames: readonly string[]
  outputNames: readonly string[]
  run(features: Float32Array, rows: number): Promise<Float32Array>
  release(): Promise<void>
}

async function mainThreadSession(
  bytes: Uint8Array,
  ep: ExecutionProvider,
  io: { inputName: string; outputName: string },
): Promise<Session> {
  const session = await ort.InferenceSession.create(bytes, sessionOptions(ep))
  return {
    thread: 'main',
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(features, rows) {
      const input = new ort.Tensor('float32', features, [rows, RANKER_FEATURE_COUNT])
      const out = await session.run({ [io.inputName]: input }, [io.outputName])
      return out[io.outputName]!.data as Float32Array
    },
    release: () => session.release(),
  }
}

async function workerSession(
  bytes: Uint8Array,
  ep: ExecutionProvider,
  io: { inputName: string; outputName: string },
): Promise<Session> {
  const thread = new InferenceThread({
    bytes,
    options: sessionOptions(ep),
    ...io,
    width: RANKER_FEATURE_COUNT,
  })
  const { inputNames, outputNames } = await thread.start()
  return {
    thread: 'worker',
    inputNames,
    outputNames,
    run: (features, rows) => thread.run(features, rows),
    release: () => thread.close(),
  }
}

/**
 * `auto`: a model whose 1000-row batch runs on the event loop in less than this stays there; a slower one gets a
 * worker thread. A hand-over to a thread and back costs about a tenth of a millisecond; a batch that holds the loop
 * longer delays every other request's HTTP, retrieval and features. Measured in alternating 5 s rounds (6 a side,
 * `bench:scorer`'s store, 2 cores shared with the load generator): the production-sized ranker (~0.35 ms a batch)
 * served the same on a thread at 1 connection (646 vs 622 req/s, p50 1.47 vs 1.48 ms) and 1.34× the requests at 16
 * (912 vs 683); the fixture's (~0.02 ms) served 0.81× at 1 connection (p50 2.25 vs 1.37 ms) and 1.13× at 16. An
 * earlier line of 1 ms came from passes minutes apart and kept the production-sized ranker on the loop.
 */
export const AUTO_THREAD_MIN_MS = 0.2

/** Where `auto` puts a model whose 1000-row batch took `batchMs` on the event loop. */
export const autoThreadFor = (batchMs: number): 'main' | 'worker' =>
  batchMs < AUTO_THREAD_MIN_MS ? 'main' : 'worker'

/**
 * Measures how long one batch takes on the event loop, in ms: `auto` decides from it. Injected in tests, so the
 * decision is tested on a known figure and not on how busy the machine is.
 */
export type BatchProbe = (runBatch: () => Promise<unknown>) => Promise<number>

/** The default probe: the best of `runs` timed batches (the least disturbed by other work). */
export const bestOfRuns =
  (runs = 5, now: () => number = () => performance.now()): BatchProbe =>
  async (runBatch) => {
    let best = Infinity
    for (let k = 0; k < runs; k++) {
      const t0 = now()
      await runBatch()
      best = Math.min(best, now() - t0)
    }
    return best
  }

/** The rows of the batch `auto` times. */
export const AUTO_PROBE_ROWS = 1000

/** `auto`: times a 1000-row batch on the event loop and keeps the session there if it is quick. */
async function autoSession(
  bytes: Uint8Array,
  ep: ExecutionProvider,
  io: { inputName: string; outputName: string },
  probe: BatchProbe,
): Promise<Session> {
  const main = await mainThreadSession(bytes, ep, io)
  // A graph that does not take the metadata's names cannot be timed: the caller reports the mismatch.
  if (!main.inputNames.includes(io.inputName) || !main.outputNames.includes(io.outputName))
    return main
  const features = new Float32Array(AUTO_PROBE_ROWS * RANKER_FEATURE_COUNT).fill(0.5)
  let batchMs: number
  try {
    batchMs = await probe(() => main.run(features, AUTO_PROBE_ROWS))
  } catch (e) {
    // The session is dropped with the failed load: release its native memory (a failed release is retried).
    await main.release().catch(() => undefined)
    throw e
  }
  if (autoThreadFor(batchMs) === 'main') return main
  await main.release()
  return workerSession(bytes, ep, io)
}

async function createSession(
  bytes: Uint8Array,
  choice: ExecutionProviderChoice,
  thread: InferenceThreadChoice,
  io: { inputName: string; outputName: string },
  probe: BatchProbe,
): Promise<{ session: Session; provider: ExecutionProvider }> {
  const open = (
    bytes: Uint8Array,
    ep: ExecutionProvider,
    io: { inputName: string; outputName: string },
  ) =>
    thread === 'worker'
      ? workerSession(bytes, ep, io)
      : thread === 'main'
        ? mainThreadSession(bytes, ep, io)
        : autoSession(bytes, ep, io, probe)
  if (choice === 'cpu' || (choice === 'auto' && cudaUnavailable))
    return { session: await open(bytes, 'cpu', io), provider: 'cpu' }
  try {
    return { session: await open(bytes, 'cuda', io), provider: 'cuda' }
  } catch (e) {
    if (choice === 'cuda') throw new Error(`CUDA execution provider unusable: ${String(e)}`)
    // If CPU fails too, the model is at fault (its error is thrown): CUDA stays worth trying for the next one.
    const session = await open(bytes, 'cpu', io)
    cudaUnavailable = true
    return { session, provider: 'cpu' }
  }
}

/**
 * Loads ONNX bytes with the provider of `choice` and checks the session against the metadata. `thread`: where
 * inference runs, on a worker thread of its own, on the event loop, or `auto` (the default): measured at load by
 * `probe` (default: the best of 5 batches).
 */
export async function loadRankerModel(
  bytes: Uint8Array,
  rawMetadata: unknown,
  choice: ExecutionProviderChoice,
  thread: InferenceThreadChoice = 'auto',
  { probe = bestOfRuns() }: { probe?: BatchProbe } = {},
): Promise<RankerModel> {
  const metadata = ModelMetadata.parse(rawMetadata)
  checkFeatureSchema(metadata)
  const inputName = metadata.feature_schema.inputs[0]!.name
  const outputName = metadata.feature_schema.outputs[0]!.name
  const { session, provider } = await createSession(
    bytes,
    choice,
    thread,
    { inputName, outputName },
    probe,
  )
  if (!session.inputNames.includes(inputName) || !session.outputNames.includes(outputName)) {
    await session.release()
    throw new Error(
      `model graph has inputs [${session.inputNames.join(',')}] and outputs [${session.outputNames.join(',')}]; ` +
        `its metadata declares ${inputName} → ${outputName}`,
    )
  }
  return {
    provider,
    thread: session.thread,
    metadata,
    async predict(features, rows) {
      const data = await session.run(features, rows)
      if (data.length !== rows)
        throw new Error(`model returned ${data.length} values for ${rows} rows`)
      return data
    },
    dispose: () => session.release(),
  }
}
