import { EDGE_FEATURES, type EdgeModelRef } from '@recsys/shared'
import { sha256Hex } from '../../util/sha256'
import { loadOnnx, type OnnxModel } from './ort'

/** Where edge models are read from: the artifact bucket (R2), by the key the manifest names. */
export interface EdgeModelSource {
  get(key: string): Promise<{ arrayBuffer(): Promise<ArrayBuffer> } | null>
}

// Per isolate, by content: a model is fetched, checked and loaded once, whatever release names it.
const sessions = new Map<string, Promise<OnnxModel>>()
const MAX_SESSIONS = 4

/**
 * The release's edge model, ready to run. The bytes must match the manifest's sha256 and size, and the model's
 * feature schema must be the edge's features ({@link EDGE_FEATURES}, in order); otherwise it is not used.
 * @note A failed load is not cached: the next request tries again.
 */
export function edgeModel(
  bucket: EdgeModelSource,
  ref: EdgeModelRef,
  loader: (bucket: EdgeModelSource, ref: EdgeModelRef) => Promise<OnnxModel> = load,
): Promise<OnnxModel> {
  let s = sessions.get(ref.sha256)
  if (!s) {
    s = loader(bucket, ref)
    sessions.set(ref.sha256, s)
    s.catch(() => sessions.delete(ref.sha256))
    if (sessions.size > MAX_SESSIONS) {
      // The oldest model's session is released (after the runs already queued on it): onnxruntime-web frees
      // wasm memory only when told to, and an isolate lives long.
      const [oldest, evicted] = sessions.entries().next().value!
      sessions.delete(oldest)
      evicted.then((m) => m.dispose()).catch(() => undefined)
    }
  }
  return s
}

async function load(bucket: EdgeModelSource, ref: EdgeModelRef): Promise<OnnxModel> {
  const want = ref.metadata.feature_schema.features
  if (want.length !== EDGE_FEATURES.length || want.some((f, i) => f !== EDGE_FEATURES[i]))
    throw new Error(
      `edge model expects features [${want.join(', ')}], the edge computes [${EDGE_FEATURES.join(', ')}]`,
    )
  const obj = await bucket.get(ref.key)
  if (!obj) throw new Error(`edge model ${ref.key} is not in the artifact bucket`)
  const bytes = new Uint8Array(await obj.arrayBuffer())
  if (bytes.byteLength !== ref.size_bytes)
    throw new Error(
      `edge model ${ref.key} has ${bytes.byteLength} bytes, the manifest says ${ref.size_bytes}`,
    )
  const sha = await sha256Hex(bytes)
  if (sha !== ref.sha256)
    throw new Error(`edge model ${ref.key} has sha256 ${sha}, not ${ref.sha256}`)
  const [input] = ref.metadata.feature_schema.inputs
  const [output] = ref.metadata.feature_schema.outputs
  return loadOnnx(bytes, { input: input!.name, output: output!.name })
}
