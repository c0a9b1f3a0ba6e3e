import { buildModelBundle } from '@recsys/trainer/model'
import { RANKER_FEATURE_COUNT as F, RANKER_FEATURES } from '@recsys/shared'
import { describe, expect, it, vi } from 'vitest'
import {
  AUTO_PROBE_ROWS,
  AUTO_THREAD_MIN_MS,
  autoThreadFor,
  bestOfRuns,
  loadRankerModel,
  sessionOptions,
  type BatchProbe,
} from './ranker-model'
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
    // The reason names the limit: the batch was given up by the timer, not failed or answered (a batch this size
    // takes seconds). No bound on the elapsed time: a loaded machine may start the timer late.
    await expect(t.run(features(300_000), 300_000)).rejects.toThrow(/not answered in 100 ms/)
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

  it('auto keeps a model whose timed batch is quick on the event loop, and gives a slow one a thread', async () => {
    // The timing is injected: the decision is tested on known figures, whatever the machine's load. The probe still
    // runs the real batch it is handed, so the session it times is the one that is kept or replaced.
    const timed: number[] = []
    const probeSaying =
      (ms: number): BatchProbe =>
      async (runBatch) => {
        const out = (await runBatch()) as Float32Array
        timed.push(out.length)
        return ms
      }
    const quick = await loadRankerModel(bundle.onnx, bundle.metadata, 'cpu', 'auto', {
      probe: probeSaying(AUTO_THREAD_MIN_MS / 2),
    })
    const slow = await loadRankerModel(bundle.onnx, bundle.metadata, 'cpu', 'auto', {
      probe: probeSaying(AUTO_THREAD_MIN_MS * 10),
    })
    try {
      expect([quick.thread, slow.thread]).toEqual(['main', 'worker'])
      expect(timed).toEqual([AUTO_PROBE_ROWS, AUTO_PROBE_ROWS])
      // Both serve, each from where it was put.
      const f = features(3)
      expect([...(await slow.predict(f, 3))]).toEqual([...(await quick.predict(f, 3))])
    } finally {
      await quick.dispose()
      await slow.dispose()
    }
  })

  it('auto puts a model at the line on a thread, and only auto times a batch', async () => {
    expect(autoThreadFor(AUTO_THREAD_MIN_MS - 0.001)).toBe('main')
    expect(autoThreadFor(AUTO_THREAD_MIN_MS)).toBe('worker')
    expect(autoThreadFor(Infinity)).toBe('worker')
    let probed = 0
    const probe: BatchProbe = async () => ++probed && 0
    for (const where of ['main', 'worker'] as const) {
      const m = await loadRankerModel(bundle.onnx, bundle.metadata, 'cpu', where, { probe })
      expect(m.thread).toBe(where)
      await m.dispose()
    }
    expect(probed).toBe(0)
  })

  it('a probe that fails fails the load with its reason', async () => {
    const probe: BatchProbe = async () => {
      throw new Error('probe broke')
    }
    await expect(
      loadRankerModel(bundle.onnx, bundle.metadata, 'cpu', 'auto', { probe }),
    ).rejects.toThrow(/probe broke/)
  })

  it('the default probe times real batches and returns the best of its runs', async () => {
    // On a scripted clock: runs of 7, 3 and 5 ms give 3.
    const ticks = [0, 7, 10, 13, 20, 25]
    let runs = 0
    const best = await bestOfRuns(3, () => ticks.shift()!)(async () => void runs++)
    expect([best, runs]).toEqual([3, 3])
    // On the real clock, around a real session: a finite, non-negative figure.
    const m = await loadRankerModel(bundle.onnx, bundle.metadata, 'cpu', 'main')
    let batches = 0
    const f = features(AUTO_PROBE_ROWS)
    const ms = await bestOfRuns()(() => m.predict(f, AUTO_PROBE_ROWS).then(() => void batches++))
    await m.dispose()
    expect(Number.isFinite(ms) && ms >= 0).toBe(true)
    expect(batches).toBe(5)
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
