import { buildModelBundle } from '@recsys/trainer/model'
import { RANKER_FEATURE_COUNT as F, RANKER_FEATURES } from '@recsys/shared'
import { describe, expect, it, vi } from 'vitest'
import { loadRankerModel, sessionOptions } from './ranker-model'
import { InferenceThread } from './worker-model'

// Real ONNX files (the trainer's export code) in real onnxruntime-node sessions, on a worker thread and on the
// test's own thread.
const bundle = buildModelBundle({ features: RANKER_FEATURES, hidden: [32, 16], seed: 7 })

const features = (rows: number, seed = 1) =>
  Float32Array.from({ length: rows * F }, (_, i) => Math.sin(seed * 31 + i * 0.37))

const thread = () =>
  new InferenceThread({
    bytes: bundle.onnx,
    options: sessionOptions('cpu'),
    inputName: 'features',
    outputName: 'score',
    width: F,
  })

describe('inference on a worker thread', () => {
  it('gives the same scores as the same session on the event loop, batch by batch', async () => {
    const onWorker = await loadRankerModel(bundle.onnx, bundle.metadata, 'cpu', 'worker')
    const onMain = await loadRankerModel(bundle.onnx, bundle.metadata, 'cpu', 'main')
    expect([onWorker.thread, onMain.thread]).toEqual(['worker', 'main'])
    try {
      for (const rows of [1, 7, 848]) {
        const f = features(rows, rows)
        const [a, b] = await Promise.all([onWorker.predict(f, rows), onMain.predict(f, rows)])
        expect(a.length).toBe(rows)
        expect([...a]).toEqual([...b])
        // The caller's features are copied, not taken: still readable after the call.
        expect(f.length).toBe(rows * F)
      }
      // Concurrent batches come back to their own callers.
      const inputs = [3, 5, 9].map((rows) => features(rows, 100 + rows))
      const outs = await Promise.all(inputs.map((f, k) => onWorker.predict(f, [3, 5, 9][k]!)))
      for (const [k, f] of inputs.entries())
        expect([...outs[k]!]).toEqual([...(await onMain.predict(f, [3, 5, 9][k]!))])
    } finally {
      await onWorker.dispose()
      await onMain.dispose()
    }
  })

  it('fails the in-flight batches of a thread that died, and starts a new one for the next batch', async () => {
    const t = thread()
    await t.start()
    const inFlight = t.run(features(200_000), 200_000)
    await t.kill()
    await expect(inFlight).rejects.toThrow(/inference thread exited/)
    const again = await t.run(features(4), 4)
    expect(again.length).toBe(4)
    expect(t.starts).toBe(2)
    await t.close()
  })

  it('abandons a thread whose batch is not answered in time: that batch fails, the next one gets a new thread', async () => {
    // A batch of a large model that takes far longer than the limit stands in for a hung session.
    const big = buildModelBundle({ features: RANKER_FEATURES, hidden: [256, 128], seed: 3 })
    const t = new InferenceThread({
      bytes: big.onnx,
      options: sessionOptions('cpu'),
      inputName: 'features',
      outputName: 'score',
      width: F,
      batchTimeoutMs: 100,
    })
    await t.start()
    const t0 = performance.now()
    await expect(t.run(features(300_000), 300_000)).rejects.toThrow(/not answered in 100 ms/)
    expect(performance.now() - t0).toBeLessThan(1000)
    expect((await t.run(features(4), 4)).length).toBe(4)
    expect(t.starts).toBe(2)
    await t.close()
  })

  it('on close, lets in-flight batches finish, then refuses new ones', async () => {
    const t = thread()
    await t.start()
    const inFlight = t.run(features(5000), 5000)
    await t.close()
    expect((await inFlight).length).toBe(5000)
    await expect(t.run(features(1), 1)).rejects.toThrow(/closed/)
  })

  it('auto keeps a model that runs a batch faster than a hand-over on the event loop, and gives a slow one a thread', async () => {
    // Extremes, so that the choice does not hang on this machine's speed: ~0.01 ms vs tens of ms a 1000-row batch.
    const tiny = buildModelBundle({ features: RANKER_FEATURES, hidden: [2], seed: 1 })
    const wide = buildModelBundle({ features: RANKER_FEATURES, hidden: [1024, 1024], seed: 1 })
    const a = await loadRankerModel(tiny.onnx, tiny.metadata, 'cpu', 'auto')
    const b = await loadRankerModel(wide.onnx, wide.metadata, 'cpu', 'auto')
    try {
      expect(a.thread).toBe('main')
      expect(b.thread).toBe('worker')
      expect((await b.predict(features(3), 3)).length).toBe(3)
    } finally {
      await a.dispose()
      await b.dispose()
    }
  })

  it("a graph whose names are not the metadata's fails the load naming both, wherever it was to run", async () => {
    const wrong = structuredClone(bundle.metadata)
    wrong.feature_schema.inputs[0]!.name = 'not_features'
    for (const where of ['worker', 'main', 'auto'] as const)
      await expect(loadRankerModel(bundle.onnx, wrong, 'cpu', where)).rejects.toThrow(
        /inputs \[features\].*declares not_features → score/,
      )
  })

  it('a model onnxruntime cannot load fails the load with its reason, wherever it was to run', async () => {
    const junk = Uint8Array.from([1, 2, 3, 4])
    for (const where of ['worker', 'main', 'auto'] as const)
      await expect(loadRankerModel(junk, bundle.metadata, 'cpu', where)).rejects.toThrow(
        /protobuf|parse|model/i,
      )
  })

  it('with provider auto, a model that fails on CPU too is at fault, not CUDA: CUDA is still tried next time', async () => {
    // A fresh module: the latch is per process, and other tests here may have set it with a loadable model.
    vi.resetModules()
    const m = await import('./ranker-model')
    await expect(
      m.loadRankerModel(Uint8Array.from([1, 2, 3, 4]), bundle.metadata, 'auto', 'main'),
    ).rejects.toThrow(/protobuf|parse|model/i)
    expect(m.cudaFoundUnusable()).toBe(false)
    // A loadable model that CUDA cannot run (no CUDA binaries here) runs on CPU and sets the latch.
    const ok = await m.loadRankerModel(bundle.onnx, bundle.metadata, 'auto', 'main')
    expect(ok.provider).toBe('cpu')
    expect(m.cudaFoundUnusable()).toBe(true)
    await ok.dispose()
  })
})
