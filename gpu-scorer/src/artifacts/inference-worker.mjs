// One ranker's onnxruntime session on its own thread (started by `worker-model.ts`), so that inference does not
// block the event loop that serves HTTP, retrieval and features. Plain JavaScript: a worker thread gets no
// TypeScript loader under every runner (tsx, vitest), and this file needs none.
//
// workerData: { bytes: Uint8Array, options: SessionOptions, inputName, outputName, width }
// In:  { id, rows, features: Float32Array (rows × width, its buffer transferred) }
// Out: { type: 'ready', inputNames, outputNames } once, or { type: 'failed', error } and exit;
//      then { id, scores: Float32Array (transferred) } or { id, error } per request.
import process from 'node:process'
import { parentPort, workerData } from 'node:worker_threads'
import * as ort from 'onnxruntime-node'

const { bytes, options, inputName, outputName, width } = workerData

let session
try {
  session = await ort.InferenceSession.create(bytes, options)
} catch (e) {
  parentPort.postMessage({ type: 'failed', error: String(e?.message ?? e) })
  process.exit(0)
}
parentPort.postMessage({
  type: 'ready',
  inputNames: session.inputNames,
  outputNames: session.outputNames,
})

parentPort.on('message', (m) => {
  if (m.type === 'close') {
    session.release().finally(() => parentPort.close())
    return
  }
  let input
  try {
    input = new ort.Tensor('float32', m.features, [m.rows, width])
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String(e?.message ?? e) })
    return
  }
  session.run({ [inputName]: input }, [outputName]).then(
    (out) => {
      const data = out[outputName].data
      const scores = data instanceof Float32Array ? data.slice() : Float32Array.from(data)
      parentPort.postMessage({ id: m.id, scores }, [scores.buffer])
    },
    (e) => parentPort.postMessage({ id: m.id, error: String(e?.message ?? e) }),
  )
})
