import { RANKER_FEATURE_COUNT, RANKER_FEATURES, ModelMetadata } from '@recsys/shared'
import * as ort from 'onnxruntime-node'
import type { ExecutionProviderChoice } from '../config'

export type ExecutionProvider = 'cpu' | 'cuda'

/**
 * The model port (navi's `Model`): a loaded ONNX ranker whose feature schema equals the shared RANKER_FEATURES.
 * `predict` takes row-major `[rows × RANKER_FEATURE_COUNT]` features and returns one raw output per row.
 */
export interface RankerModel {
  readonly provider: ExecutionProvider
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

/** When `auto` found CUDA unusable once, later loads go straight to CPU (and do not log the failure again). */
let cudaUnavailable = false

/** The scorer's session options (the benchmark's bare-inference baseline uses the same). */
export const sessionOptions = (ep: ExecutionProvider): ort.InferenceSession.SessionOptions => ({
  executionProviders: [ep],
  graphOptimizationLevel: 'all',
  // One intra-op thread that sleeps when idle: a batch of a small ranker takes well under a millisecond, and
  // spinning pool threads would take the cores the event loop (retrieval, features, HTTP) needs.
  intraOpNumThreads: 1,
  extra: { session: { intra_op: { allow_spinning: '0' } } },
})

async function createSession(
  bytes: Uint8Array,
  choice: ExecutionProviderChoice,
): Promise<{ session: ort.InferenceSession; provider: ExecutionProvider }> {
  const opts = sessionOptions
  if (choice === 'cpu' || (choice === 'auto' && cudaUnavailable))
    return { session: await ort.InferenceSession.create(bytes, opts('cpu')), provider: 'cpu' }
  try {
    return { session: await ort.InferenceSession.create(bytes, opts('cuda')), provider: 'cuda' }
  } catch (e) {
    if (choice === 'cuda') throw new Error(`CUDA execution provider unusable: ${String(e)}`)
    cudaUnavailable = true
    return { session: await ort.InferenceSession.create(bytes, opts('cpu')), provider: 'cpu' }
  }
}

/** Loads ONNX bytes with the provider of `choice` and checks the session against the metadata. */
export async function loadRankerModel(
  bytes: Uint8Array,
  rawMetadata: unknown,
  choice: ExecutionProviderChoice,
): Promise<RankerModel> {
  const metadata = ModelMetadata.parse(rawMetadata)
  checkFeatureSchema(metadata)
  const inputName = metadata.feature_schema.inputs[0]!.name
  const outputName = metadata.feature_schema.outputs[0]!.name
  const { session, provider } = await createSession(bytes, choice)
  if (!session.inputNames.includes(inputName) || !session.outputNames.includes(outputName)) {
    await session.release()
    throw new Error(
      `model graph has inputs [${session.inputNames.join(',')}] and outputs [${session.outputNames.join(',')}]; ` +
        `its metadata declares ${inputName} → ${outputName}`,
    )
  }
  return {
    provider,
    metadata,
    async predict(features, rows) {
      const input = new ort.Tensor('float32', features, [rows, RANKER_FEATURE_COUNT])
      const out = await session.run({ [inputName]: input }, [outputName])
      const data = out[outputName]!.data as Float32Array
      if (data.length !== rows)
        throw new Error(`model returned ${data.length} values for ${rows} rows`)
      return data
    },
    dispose: () => session.release(),
  }
}
