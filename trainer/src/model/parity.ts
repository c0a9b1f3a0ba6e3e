import { InferenceSession, Tensor } from 'onnxruntime-node'
import type { ModelBundle } from './bundle'
import { forward, inputDim } from './mlp'

export type ParityCheck =
  | { ok: true; rows: number; max_diff: number }
  | {
      ok: false
      rows: number
      max_diff: number
      message: string
      /** The worst rows (at most 5): index, the TypeScript score and ONNX Runtime's. */
      offending: Array<{ row: number; typescript: number; onnx: number }>
    }

/** Largest |TypeScript − ONNX| a published model may show on any row. */
export const PARITY_TOLERANCE = 1e-5

/**
 * The parity gate: runs the bundle's ONNX bytes in onnxruntime-node (CPU, one thread) on `rows` real feature rows
 * (row-major `[rows × features]`) and compares every output with the reference `forward` of the bundle's MLP.
 * @note Fails when any |diff| exceeds `tolerance` (or either side is NaN), naming the worst rows; a model that
 * fails to load or run throws (that is the model check's job to report).
 */
export async function checkParity(
  bundle: ModelBundle,
  features: Float32Array,
  rows: number,
  { tolerance = PARITY_TOLERANCE }: { tolerance?: number } = {},
): Promise<ParityCheck> {
  const width = inputDim(bundle.mlp)
  const expected = forward(bundle.mlp, features, rows)
  const session = await InferenceSession.create(bundle.onnx, {
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
  })
  let got: Float32Array
  try {
    const input = bundle.metadata.feature_schema.inputs[0]!.name
    const output = bundle.metadata.feature_schema.outputs[0]!.name
    const out = await session.run({ [input]: new Tensor('float32', features, [rows, width]) })
    got = (out[output] as Tensor).data as Float32Array
  } finally {
    await session.release()
  }
  const diffs = Array.from(expected, (e, r) => {
    const d = Math.abs(e - got[r]!)
    return { row: r, typescript: e, onnx: got[r]!, diff: Number.isNaN(d) ? Infinity : d }
  })
  const maxDiff = diffs.reduce((m, d) => Math.max(m, d.diff), 0)
  if (got.length === rows && maxDiff <= tolerance) return { ok: true, rows, max_diff: maxDiff }
  const offending = diffs
    .filter((d) => d.diff > tolerance)
    .sort((a, b) => b.diff - a.diff)
    .slice(0, 5)
    .map(({ row, typescript, onnx }) => ({ row, typescript, onnx }))
  return {
    ok: false,
    rows,
    max_diff: maxDiff,
    message:
      got.length !== rows
        ? `ONNX gave ${got.length} scores for ${rows} rows`
        : `ONNX and the TypeScript forward differ by up to ${maxDiff} (tolerance ${tolerance}) on ${
            diffs.filter((d) => d.diff > tolerance).length
          } of ${rows} rows`,
    offending,
  }
}
