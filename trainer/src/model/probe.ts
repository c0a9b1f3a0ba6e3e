import { seededRandom, type ModelMetadata, type TensorSpec } from '@recsys/shared'
import { InferenceSession, Tensor } from 'onnxruntime-node'
import { matchSignature } from './signature'

/** The checks of {@link checkModel}, in the order they run; the first that fails is reported. */
export type ModelCheckName = 'loads' | 'inputs' | 'outputs' | 'probe_nan' | 'probe_range'

export type ModelCheck =
  | { ok: true; input_names: string[]; output_names: string[]; probe_rows: number }
  | { ok: false; check: ModelCheckName; message: string; offending: string[] }

export interface CheckModelOptions {
  /** Rows in the probe batch. */
  rows?: number
  /** Seed of the probe batch; the default makes every check of the same bytes identical. */
  seed?: number
  /** Probe feature values are uniform in [-featureRange, featureRange]. */
  featureRange?: number
  /** Execution providers for the session; the check is tiny, so CPU. */
  executionProviders?: InferenceSession.SessionOptions['executionProviders']
}

/** Seed of the default probe batch. */
export const PROBE_SEED = 0x5eed

/** Row indexes reported in `offending`, at most this many. */
const MAX_OFFENDING_ROWS = 5

const fail = (check: ModelCheckName, message: string, offending: string[] = []): ModelCheck => ({
  ok: false,
  check,
  message,
  offending,
})

/**
 * The probe batch: for every declared input, values uniform in [-featureRange, featureRange] from
 * `seededRandom(seed)`, the batch dim (a leading -1) set to `rows` and any other free dim to 1. Exported so tests
 * can replay it.
 */
export function probeFeeds(
  inputs: readonly TensorSpec[],
  rows: number,
  seed: number,
  featureRange: number,
) {
  const rand = seededRandom(seed)
  const feeds: Record<string, Tensor> = {}
  for (const spec of inputs) {
    const dims = spec.dims.map((d, i) => (d === -1 ? (i === 0 ? rows : 1) : d))
    const size = dims.reduce((a, b) => a * b, 1)
    const data = Float32Array.from({ length: size }, () => (rand() * 2 - 1) * featureRange)
    feeds[spec.name] = new Tensor('float32', data, dims)
  }
  return feeds
}

/** Distinct row indexes of the flat positions where `bad` holds, first few only, as strings. */
function badRows(data: Float32Array, rowWidth: number, bad: (v: number) => boolean): string[] {
  const rows = new Set<number>()
  data.forEach((v, i) => {
    if (bad(v)) rows.add(Math.floor(i / rowWidth))
  })
  return [...rows].slice(0, MAX_OFFENDING_ROWS).map(String)
}

/**
 * The model gate: the bytes load in onnxruntime-node, the session's inputs and outputs are the declared ones
 * (names, float32, dims), and a deterministic probe batch gives finite outputs inside `score_range`.
 * @note `score_range` is checked on the raw model outputs, before calibration.
 * @note A model that loads but fails to run on the declared inputs fails `loads`. The session is always released.
 */
export async function checkModel(
  bytes: Uint8Array,
  metadata: ModelMetadata,
  {
    rows = 64,
    seed = PROBE_SEED,
    featureRange = 3,
    executionProviders = ['cpu'],
  }: CheckModelOptions = {},
): Promise<ModelCheck> {
  if (!(Number.isInteger(rows) && rows > 0))
    throw new Error(`probe rows must be a positive integer, got ${rows}`)
  const { features, inputs, outputs } = metadata.feature_schema
  let session: InferenceSession
  try {
    // One thread: a 64-row probe needs no pool, and checks must not compete with whatever else runs here.
    session = await InferenceSession.create(bytes, {
      executionProviders,
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
    })
  } catch (e) {
    return fail('loads', `the model does not load: ${(e as Error).message}`)
  }
  try {
    const badInputs = matchSignature('inputs', inputs, session.inputMetadata)
    if (badInputs) return fail('inputs', badInputs.message, badInputs.offending)
    const onlyInput = inputs.length === 1 && inputs[0]!.dims.length === 2 ? inputs[0]! : undefined
    if (onlyInput && onlyInput.dims[1] !== features.length)
      return fail(
        'inputs',
        `input "${onlyInput.name}" is ${onlyInput.dims[1]} wide but the schema lists ${features.length} features`,
        [onlyInput.name],
      )
    const badOutputs = matchSignature('outputs', outputs, session.outputMetadata)
    if (badOutputs) return fail('outputs', badOutputs.message, badOutputs.offending)

    let results: InferenceSession.ReturnType
    try {
      results = await session.run(probeFeeds(inputs, rows, seed, featureRange))
    } catch (e) {
      return fail('loads', `the model loads but fails on the probe batch: ${(e as Error).message}`)
    }
    const [min, max] = metadata.score_range
    const scores = outputs.map(({ name }) => {
      const t = results[name] as Tensor
      return { name, data: t.data as Float32Array, rowWidth: t.size / rows }
    })
    for (const { name, data, rowWidth } of scores) {
      const nan = badRows(data, rowWidth, (v) => !Number.isFinite(v))
      if (nan.length > 0)
        return fail(
          'probe_nan',
          `output "${name}" is NaN or infinite on probe rows ${nan.join(', ')}`,
          nan,
        )
    }
    for (const { name, data, rowWidth } of scores) {
      const out = badRows(data, rowWidth, (v) => v < min || v > max)
      if (out.length === 0) continue
      const lo = data.reduce((a, b) => Math.min(a, b))
      const hi = data.reduce((a, b) => Math.max(a, b))
      return fail(
        'probe_range',
        `output "${name}" spans [${lo}, ${hi}], outside score_range [${min}, ${max}] on probe rows ${out.join(', ')}`,
        out,
      )
    }
    return {
      ok: true,
      input_names: [...session.inputNames],
      output_names: [...session.outputNames],
      probe_rows: rows,
    }
  } finally {
    await session.release()
  }
}
