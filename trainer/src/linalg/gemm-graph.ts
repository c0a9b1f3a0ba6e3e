import { ModelProto, ONNX_DOUBLE, ONNX_FLOAT } from '../model/onnx-proto'

/** The element types the numeric kernels run in. */
export type Precision = 'float64' | 'float32'

/**
 * One ONNX Gemm: `Y = alpha · op(A) · op(B) + beta · C`, op a transpose where asked; C is an input only when `beta`
 * is set. Every dimension is symbolic, so one session multiplies matrices of any compatible shape.
 */
export interface GemmSpec {
  transA?: boolean
  transB?: boolean
  alpha?: number
  /** With C: `beta · C` is added (C has Y's shape). */
  beta?: number
}

const DIMS = ['rows', 'cols']

const valueInfo = (name: string, elem_type: number) => ({
  name,
  type: {
    tensor_type: { elem_type, shape: { dim: DIMS.map((d) => ({ dim_param: `${name}_${d}` })) } },
  },
})

/**
 * The bytes of a one-node Gemm model (opset 13) over inputs `A`, `B` (and `C`), output `Y`.
 * @note Gemm runs on onnxruntime's MLAS kernels, multi-threaded; the kernels' callers (the SPD inverse) need no other
 * operator.
 */
export function gemmModel(spec: GemmSpec, precision: Precision = 'float64'): Uint8Array {
  const elem = precision === 'float64' ? ONNX_DOUBLE : ONNX_FLOAT
  const withC = spec.beta !== undefined
  const inputs = withC ? ['A', 'B', 'C'] : ['A', 'B']
  const FLOAT = 1
  const INT = 2
  const attribute = [
    { name: 'alpha', f: spec.alpha ?? 1, type: FLOAT },
    ...(withC ? [{ name: 'beta', f: spec.beta!, type: FLOAT }] : []),
    { name: 'transA', i: spec.transA ? 1 : 0, type: INT },
    { name: 'transB', i: spec.transB ? 1 : 0, type: INT },
  ]
  return ModelProto.encode(
    ModelProto.fromObject({
      ir_version: 7,
      producer_name: 'recsys-trainer',
      graph: {
        name: 'gemm',
        node: [{ input: inputs, output: ['Y'], name: 'gemm', op_type: 'Gemm', attribute }],
        input: inputs.map((n) => valueInfo(n, elem)),
        output: [valueInfo('Y', elem)],
      },
      opset_import: [{ version: 13 }],
    }),
  ).finish()
}
