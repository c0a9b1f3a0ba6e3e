import { ModelMetadata } from '@recsys/shared'
import { InferenceSession } from 'onnxruntime-node'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { buildMlp, forward, inputDim, type Mlp } from './mlp'
import { exportMlpToOnnx } from './onnx-export'
import { ModelProto } from './onnx-proto'
import { checkModel, PROBE_SEED, probeFeeds } from './probe'

const WIDTH = 6

/** Metadata that matches an exported MLP of {@link WIDTH} features; `patch` replaces top-level fields. */
function metadata(patch: Partial<ModelMetadata> = {}): ModelMetadata {
  return ModelMetadata.parse({
    feature_schema: {
      features: Array.from({ length: WIDTH }, (_, i) => `f${i}`),
      inputs: [{ name: 'features', dims: [-1, WIDTH] }],
      outputs: [{ name: 'score', dims: [-1, 1] }],
    },
    score_range: [0, 1],
    ...patch,
  })
}

const schema = (patch: Partial<ModelMetadata['feature_schema']>) => ({
  feature_schema: { ...metadata().feature_schema, ...patch },
})

const mlp = (output: 'sigmoid' | 'none' = 'sigmoid') =>
  buildMlp({ inputDim: WIDTH, hidden: [8, 4], seed: 5, output })

/** The reference scores of the default probe batch (64 rows). */
function probeScores(m: Mlp): Float32Array {
  const feeds = probeFeeds(metadata().feature_schema.inputs, 64, PROBE_SEED, 3)
  return forward(m, feeds.features!.data as Float32Array, 64)
}

/** The first five rows where `bad` holds, as checkModel reports them. */
const firstRows = (scores: Float32Array, bad: (v: number) => boolean) =>
  [...scores.keys()]
    .filter((i) => bad(scores[i]!))
    .slice(0, 5)
    .map(String)

afterEach(() => vi.restoreAllMocks())

describe('checkModel', () => {
  it('passes an exported model whose metadata matches it', async () => {
    const r = await checkModel(exportMlpToOnnx(mlp()), metadata())
    expect(r).toEqual({
      ok: true,
      input_names: ['features'],
      output_names: ['score'],
      probe_rows: 64,
    })
  })

  it.each([
    ['garbage', new TextEncoder().encode('definitely not a protobuf ModelProto')],
    ['a truncated model', exportMlpToOnnx(mlp()).slice(0, 300)],
    ['nothing', new Uint8Array(0)],
  ])('fails "loads" on %s with ORT’s message', async (_, bytes) => {
    const r = await checkModel(bytes, metadata())
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.check).toBe('loads')
    expect(r.message).toMatch(/^the model does not load: .{10,}/)
  })

  it('fails "loads" when a model loads but cannot run on the declared input', async () => {
    // Strip the input's shape: ORT then reports it as unknown, the signature check accepts it, and the run fails.
    const model = ModelProto.decode(exportMlpToOnnx(mlp())) as any
    delete model.graph.input[0].type.tensor_type.shape
    const bytes = ModelProto.encode(model).finish()
    const five = schema({
      features: ['f0', 'f1', 'f2', 'f3', 'f4'],
      inputs: [{ name: 'features', type: 'float32', dims: [-1, 5] }],
    })
    const r = await checkModel(bytes, metadata(five))
    expect(r).toMatchObject({ ok: false, check: 'loads', offending: [] })
    if (!r.ok) expect(r.message).toMatch(/^the model loads but fails on the probe batch: .{10,}/)
  })

  it('fails "inputs" naming both tensors when the metadata declares another input name', async () => {
    const bytes = exportMlpToOnnx(mlp())
    const r = await checkModel(
      bytes,
      metadata(schema({ inputs: [{ name: 'x', type: 'float32', dims: [-1, WIDTH] }] })),
    )
    expect(r).toMatchObject({ ok: false, check: 'inputs', offending: ['x', 'features'] })
  })

  it('fails "inputs" when the declared width differs from the model’s or from the feature list', async () => {
    const bytes = exportMlpToOnnx(mlp())
    const wide = schema({
      features: Array.from({ length: WIDTH + 1 }, (_, i) => `f${i}`),
      inputs: [{ name: 'features', type: 'float32', dims: [-1, WIDTH + 1] }],
    })
    expect(await checkModel(bytes, metadata(wide))).toMatchObject({
      check: 'inputs',
      offending: ['features'],
      message: expect.stringMatching(/has shape \[N, 6\], declared \[-1, 7\]/),
    })
    const fewer = schema({ features: ['f0', 'f1'] })
    expect(await checkModel(bytes, metadata(fewer))).toMatchObject({
      check: 'inputs',
      offending: ['features'],
      message: expect.stringMatching(/6 wide but the schema lists 2 features/),
    })
  })

  it('fails "outputs" when the model’s output is not the declared one', async () => {
    const bytes = exportMlpToOnnx(mlp(), { outputName: 'logit' })
    expect(await checkModel(bytes, metadata())).toMatchObject({
      check: 'outputs',
      offending: ['score', 'logit'],
    })
  })

  it('fails "probe_nan" with the first rows for a model with a NaN weight', async () => {
    const m = mlp()
    m.layers[2]!.weights[1] = NaN
    expect(await checkModel(exportMlpToOnnx(m), metadata())).toMatchObject({
      check: 'probe_nan',
      offending: ['0', '1', '2', '3', '4'],
    })
  })

  it('fails "probe_nan" on exactly the rows that overflow to Infinity', async () => {
    // One hidden unit feeds the output through a huge weight: rows where it is active overflow, the others do not.
    const m = mlp('none')
    m.layers[2]!.weights[0] = 3e38
    const expected = firstRows(probeScores(m), (v) => !Number.isFinite(v))
    expect(expected.length).toBeGreaterThan(0)
    expect(expected).not.toEqual(['0', '1', '2', '3', '4'])
    expect(
      await checkModel(exportMlpToOnnx(m), metadata({ score_range: [-1e6, 1e6] })),
    ).toMatchObject({
      check: 'probe_nan',
      offending: expected,
    })
  })

  it('reports rows, not positions, for an output of two columns', async () => {
    const m = mlp()
    const last = m.layers[2]!
    // A second output column whose bias is NaN: every row is bad, at flat positions 1, 3, 5…
    m.layers[2] = {
      ...last,
      outputs: 2,
      weights: Float32Array.from([...last.weights].flatMap((w) => [w, w])),
      bias: Float32Array.of(last.bias[0]!, NaN),
    }
    const twoWide = schema({ outputs: [{ name: 'score', type: 'float32', dims: [-1, 2] }] })
    expect(await checkModel(exportMlpToOnnx(m), metadata(twoWide))).toMatchObject({
      check: 'probe_nan',
      offending: ['0', '1', '2', '3', '4'],
    })
  })

  it('fails "probe_range" when the score_range excludes the outputs', async () => {
    const bytes = exportMlpToOnnx(mlp())
    const r = await checkModel(bytes, metadata({ score_range: [2, 3] }))
    expect(r).toMatchObject({ check: 'probe_range', offending: ['0', '1', '2', '3', '4'] })
    if (!r.ok) expect(r.message).toMatch(/outside score_range \[2, 3\]/)
  })

  it('reports exactly the rows above the range’s top', async () => {
    const m = mlp()
    const scores = probeScores(m)
    const median = [...scores].sort((a, b) => a - b)[32]!
    const expected = firstRows(scores, (v) => v > median)
    expect(
      await checkModel(exportMlpToOnnx(m), metadata({ score_range: [0, median] })),
    ).toMatchObject({
      check: 'probe_range',
      offending: expected,
    })
  })

  it('releases every session it creates, on success and on failure', async () => {
    const create = InferenceSession.create.bind(InferenceSession) as (
      b: Uint8Array,
      o: object,
    ) => Promise<any>
    const releases: { mock: { calls: unknown[] } }[] = []
    vi.spyOn(InferenceSession, 'create').mockImplementation((async (b: Uint8Array, o: object) => {
      const session = await create(b, o)
      releases.push(vi.spyOn(session, 'release'))
      return session
    }) as typeof InferenceSession.create)
    const bytes = exportMlpToOnnx(mlp())
    await checkModel(bytes, metadata())
    await checkModel(
      bytes,
      metadata(schema({ inputs: [{ name: 'x', type: 'float32', dims: [-1, WIDTH] }] })),
    )
    await checkModel(bytes, metadata({ score_range: [2, 3] }))
    expect(releases.map((r) => r.mock.calls.length)).toEqual([1, 1, 1])
  })

  it('probes the declared feature width with a deterministic batch', () => {
    const inputs = metadata().feature_schema.inputs
    const a = probeFeeds(inputs, 64, PROBE_SEED, 3).features!
    expect(a.dims).toEqual([64, inputDim(mlp())])
    expect(a.data).toEqual(probeFeeds(inputs, 64, PROBE_SEED, 3).features!.data)
    expect(Math.max(...(a.data as Float32Array).map(Math.abs))).toBeLessThanOrEqual(3)
  })
})
