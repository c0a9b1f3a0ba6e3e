import { assertMlp, inputDim, outputDim, type Mlp } from './mlp'
import { ModelProto, ONNX_FLOAT } from './onnx-proto'

export interface ExportOptions {
  inputName?: string
  outputName?: string
  /** Default-domain opset, 13 to 21 (Gemm-13, Relu-14, Sigmoid-13 are the versions used). */
  opset?: number
}

/** The symbolic batch dimension of the exported input and output. */
export const BATCH_DIM = 'N'

/** The producer name written into every exported model. */
export const PRODUCER = 'recsys-control-plane'

/** The IR version each opset was released with (onnx/docs/Versioning.md), so older runtimes accept the file. */
const IR_FOR_OPSET: Record<number, number> = {
  13: 7,
  14: 7,
  15: 8,
  16: 8,
  17: 8,
  18: 8,
  19: 9,
  20: 9,
  21: 10,
}

/** Little-endian IEEE 754 bytes of a float32 buffer (ONNX `raw_data`), whatever the host's byte order. */
function rawFloats(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length * 4)
  const view = new DataView(out.buffer)
  values.forEach((v, i) => view.setFloat32(i * 4, v, true))
  return out
}

function floatTensor(name: string, dims: number[], values: Float32Array) {
  return { name, dims, data_type: ONNX_FLOAT, raw_data: rawFloats(values) }
}

function valueInfo(name: string, width: number) {
  const dim = [{ dim_param: BATCH_DIM }, { dim_value: width }]
  return { name, type: { tensor_type: { elem_type: ONNX_FLOAT, shape: { dim } } } }
}

/**
 * Serialises an MLP as an ONNX ModelProto: per layer one Gemm (weights and bias as initializers), then Relu or
 * Sigmoid. Input `[N, inputDim]`, output `[N, outputDim]` (`[N, 1]` for a ranker), float32.
 * @note Deterministic: the same MLP and options give the same bytes, so the artifact's sha256 is stable. Nothing
 * time- or host-dependent is written.
 */
export function exportMlpToOnnx(
  mlp: Mlp,
  { inputName = 'features', outputName = 'score', opset = 17 }: ExportOptions = {},
): Uint8Array {
  assertMlp(mlp)
  const irVersion = IR_FOR_OPSET[opset]
  if (irVersion === undefined) throw new Error(`opset ${opset} is not supported; use 13 to 21`)
  if (inputName === outputName) throw new Error(`input and output are both named "${inputName}"`)
  for (const name of [inputName, outputName])
    if (/^layer\d+\./.test(name))
      throw new Error(`"${name}" collides with the names of the graph's layers`)

  const initializer: ReturnType<typeof floatTensor>[] = []
  const node: { input: string[]; output: string[]; name: string; op_type: string }[] = []
  let x = inputName
  mlp.layers.forEach((layer, k) => {
    const last = k === mlp.layers.length - 1
    const w = `layer${k}.weight`
    const b = `layer${k}.bias`
    initializer.push(floatTensor(w, [layer.inputs, layer.outputs], layer.weights))
    initializer.push(floatTensor(b, [layer.outputs], layer.bias))
    const linear = last && layer.activation === 'none' ? outputName : `layer${k}.linear`
    node.push({ input: [x, w, b], output: [linear], name: `layer${k}.gemm`, op_type: 'Gemm' })
    x = linear
    if (layer.activation === 'none') return
    const op = layer.activation === 'relu' ? 'Relu' : 'Sigmoid'
    const y = last ? outputName : `layer${k}.${layer.activation}`
    node.push({ input: [x], output: [y], name: `layer${k}.${layer.activation}`, op_type: op })
    x = y
  })

  const model = {
    ir_version: irVersion,
    producer_name: PRODUCER,
    graph: {
      name: 'mlp',
      node,
      initializer,
      input: [valueInfo(inputName, inputDim(mlp))],
      output: [valueInfo(outputName, outputDim(mlp))],
    },
    opset_import: [{ version: opset }], // no domain: the default ONNX domain
  }
  return ModelProto.encode(ModelProto.fromObject(model)).finish()
}
