import * as ort from 'onnxruntime-web/wasm'
// Imported as a module (wrangler's default rule for `.wasm`; the vitest workers pool does the same): workerd
// compiles it at load time, since it may not compile WebAssembly from bytes at run time.
import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.wasm'

let ready = false

/**
 * Sets onnxruntime-web up for workerd once per isolate: one thread, no proxy worker, and the precompiled module.
 * @note ORT's emscripten glue instantiates `wasmBinary` with `WebAssembly.instantiate(bytes, imports)`; the
 * override hands it the precompiled module instead (the bytes given to ORT are a placeholder). Other callers of
 * `WebAssembly.instantiate` are passed through.
 */
function setup(): void {
  if (ready) return
  ort.env.wasm.numThreads = 1
  ort.env.wasm.proxy = false
  ort.env.wasm.wasmBinary = PLACEHOLDER
  const instantiate = WebAssembly.instantiate.bind(WebAssembly)
  const patched = (source: unknown, imports?: WebAssembly.Imports): Promise<unknown> => {
    if (
      source instanceof Uint8Array &&
      source.byteLength === PLACEHOLDER.byteLength &&
      isOrt(source)
    )
      return instantiate(ortWasm, imports).then((instance) => ({ instance, module: ortWasm }))
    return (instantiate as (s: unknown, i?: WebAssembly.Imports) => Promise<unknown>)(
      source,
      imports,
    )
  }
  ;(WebAssembly as { instantiate: unknown }).instantiate = patched
  ready = true
}

// A recognisable placeholder: ORT copies it into a new Uint8Array before instantiating.
const PLACEHOLDER = new TextEncoder().encode('recsys-edge:ort-wasm-precompiled')
const isOrt = (b: Uint8Array) => b.every((x, i) => x === PLACEHOLDER[i])

/** A loaded ONNX model that maps `[rows × width]` float32 features to one output per row. */
export interface OnnxModel {
  run(features: Float32Array, rows: number, width: number): Promise<Float32Array>
  /** Releases the session's wasm memory once the runs already queued are done; later runs are refused. */
  dispose(): Promise<void>
}

/** Creates an inference session (wasm backend, CPU) for these ONNX bytes. */
export async function loadOnnx(
  bytes: Uint8Array,
  names: { input: string; output: string },
): Promise<OnnxModel> {
  setup()
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] })
  const missing = !session.inputNames.includes(names.input)
    ? `model has no input ${names.input} (has ${session.inputNames.join(', ')})`
    : !session.outputNames.includes(names.output)
      ? `model has no output ${names.output} (has ${session.outputNames.join(', ')})`
      : undefined
  if (missing) {
    await session.release().catch(() => undefined)
    throw new Error(missing)
  }
  // One run at a time per session: the single-threaded wasm backend is not re-entrant.
  let queue: Promise<unknown> = Promise.resolve()
  let disposed = false
  return {
    dispose() {
      if (disposed) return queue.then(() => undefined)
      disposed = true
      const done = queue.then(() => session.release())
      queue = done.catch(() => undefined)
      return done
    },
    run(features, rows, width) {
      if (disposed) return Promise.reject(new Error('edge model session disposed'))
      const next = queue.then(async () => {
        const out = await session.run({
          [names.input]: new ort.Tensor('float32', features, [rows, width]),
        })
        const t = out[names.output]
        if (!t || t.type !== 'float32') throw new Error(`output ${names.output} is not float32`)
        const data = t.data as Float32Array
        if (data.length !== rows)
          throw new Error(`output ${names.output} has ${data.length} values for ${rows} rows`)
        return data
      })
      queue = next.catch(() => undefined)
      return next
    },
  }
}
