import { seededRandom } from '@recsys/shared'
import fc from 'fast-check'
import { createHash } from 'node:crypto'
import { InferenceSession, Tensor } from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { buildMlp, forward, type Activation, type Mlp } from './mlp'
import { BATCH_DIM, exportMlpToOnnx, PRODUCER } from './onnx-export'
import { ModelProto } from './onnx-proto'

/** Runs exported bytes in onnxruntime-node on CPU and returns the output tensor. */
async function runOnnx(bytes: Uint8Array, batch: Float32Array, rows: number, cols: number) {
  const session = await InferenceSession.create(bytes, { executionProviders: ['cpu'] })
  try {
    const out = await session.run({ features: new Tensor('float32', batch, [rows, cols]) })
    return out.score as Tensor
  } finally {
    await session.release()
  }
}

const randomBatch = (seed: number, size: number) => {
  const rand = seededRandom(seed)
  return Float32Array.from({ length: size }, () => (rand() * 2 - 1) * 3)
}

describe('exportMlpToOnnx', () => {
  it('runs in onnxruntime-node and matches forward() within 1e-5 (random shapes, seeds, activations)', async () => {
    const activation = fc.constantFrom<Activation>('relu', 'sigmoid', 'none')
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          seed: fc.integer(),
          inputDim: fc.integer({ min: 1, max: 24 }),
          hidden: fc.array(fc.record({ width: fc.integer({ min: 1, max: 16 }), activation }), {
            maxLength: 3,
          }),
          output: fc.constantFrom<'sigmoid' | 'none'>('sigmoid', 'none'),
          rows: fc.integer({ min: 1, max: 33 }),
          opset: fc.constantFrom(13, 17, 21),
        }),
        async ({ seed, inputDim, hidden, output, rows, opset }) => {
          const built = buildMlp({ inputDim, hidden: hidden.map((h) => h.width), seed, output })
          // Hidden layers with other activations than ReLU, so every op path is compared.
          const mlp: Mlp = {
            layers: built.layers.map((l, k) => ({
              ...l,
              activation: hidden[k]?.activation ?? l.activation,
            })),
          }
          const batch = randomBatch(seed ^ 0x9e37, rows * inputDim)
          const got = await runOnnx(exportMlpToOnnx(mlp, { opset }), batch, rows, inputDim)
          const want = forward(mlp, batch, rows)
          expect(got.dims).toEqual([rows, 1])
          const worst = Math.max(
            ...want.map((w, i) => Math.abs(w - (got.data as Float32Array)[i]!)),
          )
          expect(worst).toBeLessThanOrEqual(1e-5)
        },
      ),
      { numRuns: 40, seed: 20240917 },
    )
  })

  it('gives identical bytes for the same MLP, different bytes when one weight changes', () => {
    const a = exportMlpToOnnx(buildMlp({ inputDim: 8, hidden: [6, 4], seed: 11 }))
    const b = exportMlpToOnnx(buildMlp({ inputDim: 8, hidden: [6, 4], seed: 11 }))
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true)
    const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')
    expect(sha(a)).toBe(sha(b))

    const changed = buildMlp({ inputDim: 8, hidden: [6, 4], seed: 11 })
    changed.layers[1]!.weights[5] = Math.fround(changed.layers[1]!.weights[5]! + 1e-3)
    expect(sha(exportMlpToOnnx(changed))).not.toBe(sha(a))
  })

  it('declares input [N, inputDim] and output [N, 1] with the chosen names and opset', () => {
    const mlp = buildMlp({ inputDim: 5, hidden: [3], seed: 2 })
    const bytes = exportMlpToOnnx(mlp, { inputName: 'x', outputName: 'y', opset: 13 })
    const model = ModelProto.toObject(ModelProto.decode(bytes), { longs: Number }) as any
    const dims = (v: any) =>
      v.type.tensor_type.shape.dim.map((d: any) => d.dim_param ?? d.dim_value)
    expect(model.ir_version).toBe(7)
    expect(model.producer_name).toBe(PRODUCER)
    expect(model.opset_import).toEqual([{ version: 13 }])
    expect(model.graph.input.map((v: any) => [v.name, dims(v)])).toEqual([['x', [BATCH_DIM, 5]]])
    expect(model.graph.output.map((v: any) => [v.name, dims(v)])).toEqual([['y', [BATCH_DIM, 1]]])
    expect(model.graph.node.map((n: any) => n.op_type)).toEqual(['Gemm', 'Relu', 'Gemm', 'Sigmoid'])
    expect(model.graph.initializer.map((t: any) => [t.name, t.dims])).toEqual([
      ['layer0.weight', [5, 3]],
      ['layer0.bias', [3]],
      ['layer1.weight', [3, 1]],
      ['layer1.bias', [1]],
    ])
    const w = model.graph.initializer[0].raw_data as Uint8Array
    expect(new DataView(w.buffer, w.byteOffset).getFloat32(4, true)).toBe(mlp.layers[0]!.weights[1])
  })

  it('rejects an unsupported opset, equal names and names that collide with layer tensors', () => {
    const mlp = buildMlp({ inputDim: 2, hidden: [], seed: 1 })
    expect(() => exportMlpToOnnx(mlp, { opset: 12 })).toThrow(/opset 12/)
    expect(() => exportMlpToOnnx(mlp, { inputName: 's', outputName: 's' })).toThrow(/both named/)
    expect(() => exportMlpToOnnx(mlp, { inputName: 'layer0.bias' })).toThrow(/collides/)
  })
})
