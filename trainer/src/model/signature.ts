import type { TensorSpec } from '@recsys/shared'
import type { InferenceSession } from 'onnxruntime-node'

/** Why a model's inputs or outputs do not match its metadata; `offending` names the tensors at fault. */
export interface SignatureMismatch {
  message: string
  offending: string[]
}

const list = (names: readonly string[]) => names.map((n) => `"${n}"`).join(', ')

/** A declared dim against the model's: -1 (free) matches a dim_param or an unknown size, n matches n only. */
function dimMatches(declared: number, actual: number | string): boolean {
  if (declared === -1) return typeof actual === 'string' || actual < 0
  return actual === declared
}

/** Renders a shape the way ORT reports it, free dims by their dim_param. */
const shape = (dims: readonly (number | string)[]) => `[${dims.join(', ')}]`

/**
 * Compares the declared tensors of one side (inputs or outputs) with what the loaded session exposes: the same
 * set of names, then for each a float32 tensor of the declared rank and dims. Undefined when they match.
 * @note A model whose shape ORT reports as unknown (empty) is accepted on names and type alone.
 */
export function matchSignature(
  side: 'inputs' | 'outputs',
  declared: readonly TensorSpec[],
  actual: readonly InferenceSession.ValueMetadata[],
): SignatureMismatch | undefined {
  const declaredNames = declared.map((t) => t.name)
  const actualNames = actual.map((t) => t.name)
  const missing = declaredNames.filter((n) => !actualNames.includes(n))
  const unexpected = actualNames.filter((n) => !declaredNames.includes(n))
  if (missing.length > 0 || unexpected.length > 0) {
    const parts = [
      missing.length > 0 ? `declared but missing: ${list(missing)}` : '',
      unexpected.length > 0 ? `not declared: ${list(unexpected)}` : '',
    ]
    return {
      message: `model ${side} ${list(actualNames)} differ from the metadata's (${parts.filter(Boolean).join('; ')})`,
      offending: [...missing, ...unexpected],
    }
  }
  const problems: string[] = []
  const offending: string[] = []
  for (const spec of declared) {
    const meta = actual.find((t) => t.name === spec.name)!
    let problem: string | undefined
    if (!meta.isTensor) problem = 'is not a tensor'
    else if (meta.type !== spec.type) problem = `is ${meta.type}, declared ${spec.type}`
    else if (
      meta.shape.length > 0 &&
      (meta.shape.length !== spec.dims.length ||
        spec.dims.some((d, i) => !dimMatches(d, meta.shape[i]!)))
    )
      problem = `has shape ${shape(meta.shape)}, declared ${shape(spec.dims)}`
    if (problem === undefined) continue
    problems.push(`"${spec.name}" ${problem}`)
    offending.push(spec.name)
  }
  if (problems.length === 0) return undefined
  return { message: `model ${side}: ${problems.join('; ')}`, offending }
}
