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
 * `auto`: a model whose 1000-row batch runs on the event loop in less than this stays there. A hand-over to a thread
 * and back costs a few tenths of a millisecond on a busy 2-core machine; measured side by side there (bench:scorer),
 * the production-sized ranker (~0.55 ms a batch) served 0.82× the requests at 1 connection on a thread and 1.09× at
 * 16, and the fixture's (~0.03 ms) 0.8-0.93×. A batch that holds the loop for a millisecond or more is what delays
 * the other requests enough to be worth a thread.
 */
export const AUTO_THREAD_MIN_MS = 1

/** `auto`: times a 1000-row batch on the event loop (best of 5) and keeps the session there if it is quick. */
async function autoSession(
  bytes: Uint8Array,
  ep: ExecutionProvider,
  io: { inputName: string; outputName: string },
): Promise<Session> {
  const main = await mainThreadSession(bytes, ep, io)
  // A graph that does not take the metadata's names cannot be timed: the caller reports the mismatch.
  if (!main.inputNames.includes(io.inputName) || !main.outputNames.includes(io.outputName))
    return main
  const rows = 1000
  const probe = new Float32Array(rows * RANKER_FEATURE_COUNT).fill(0.5)
  let best = Infinity
  try {
    for (let k = 0; k < 5; k++) {
      const t0 = performance.now()
      await main.run(probe, rows)
      best = Math.min(best, performance.now() - t0)
    }
  } catch (e) {
    // The session is dropped with the failed load: release its native memory (a failed release is retried).
    await main.release().catch(() => undefined)
    throw e
  }
  if (best < AUTO_THREAD_MIN_MS) return main
  await main.release()
  return workerSession(bytes, ep, io)
}

async function createSession(
  bytes: Uint8Array,
  choice: ExecutionProviderChoice,
  thread: InferenceThreadChoice,
  io: { inputName: string; outputName: string },
): Promise<{ session: Session; provider: ExecutionProvider }> {
  const open =
    thread === 'worker' ? workerSession : thread === 'main' ? mainThreadSession : autoSession
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
 * inference runs, on a worker thread of its own, on the event loop, or `auto` (the default): measured at load.
 */
export async function loadRankerModel(
  bytes: Uint8Array,
  rawMetadata: unknown,
  choice: ExecutionProviderChoice,
  thread: InferenceThreadChoice = 'auto',
): Promise<RankerModel> {
  const metadata = ModelMetadata.parse(rawMetadata)
  checkFeatureSchema(metadata)
  const inputName = metadata.feature_schema.inputs[0]!.name
  const outputName = metadata.feature_schema.outputs[0]!.name
  const { session, provider } = await createSession(bytes, choice, thread, {
    inputName,
    outputName,
  })
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
