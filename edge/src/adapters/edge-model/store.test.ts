import type { EdgeModelRef } from '@recsys/shared'
import { describe, expect, it } from 'vitest'
import type { OnnxModel } from './ort'
import { edgeModel } from './store'

/**
 * The isolate's edge-model cache, with a stand-in loader (these tests are about which sessions are kept and
 * released; loading real ONNX bytes through onnxruntime-web is covered by test/edge-rescored.test.ts).
 */
function fakeModel() {
  const m = { disposed: 0, model: undefined as unknown as OnnxModel }
  m.model = {
    run: async (_f, rows) => new Float32Array(rows),
    dispose: async () => {
      m.disposed++
    },
  }
  return m
}

const ref = (sha: string) => ({ sha256: sha }) as EdgeModelRef
const bucket = { get: async () => null }

describe('edgeModel cache', () => {
  it('loads a model once per sha256, and releases the oldest session beyond 4', async () => {
    const made = new Map<string, ReturnType<typeof fakeModel>>()
    let loads = 0
    const loader = async (_b: unknown, r: EdgeModelRef) => {
      loads++
      const m = fakeModel()
      made.set(r.sha256, m)
      return m.model
    }
    const shas = ['a', 'b', 'c', 'd'].map((x) => `${x}-${crypto.randomUUID()}`)
    for (const sha of shas) await edgeModel(bucket, ref(sha), loader)
    await edgeModel(bucket, ref(shas[0]!), loader)
    expect(loads).toBe(4)
    expect([...made.values()].every((m) => m.disposed === 0)).toBe(true)

    await edgeModel(bucket, ref(`e-${crypto.randomUUID()}`), loader)
    await new Promise((r) => setTimeout(r, 0))
    expect(made.get(shas[0]!)!.disposed).toBe(1)
    expect(shas.slice(1).map((s) => made.get(s)!.disposed)).toEqual([0, 0, 0])
    // Evicted: the next request for it loads it again.
    await edgeModel(bucket, ref(shas[0]!), loader)
    expect(loads).toBe(6)
  })

  it('does not keep a failed load: the next request tries again', async () => {
    let loads = 0
    const sha = `f-${crypto.randomUUID()}`
    const failing = async () => {
      loads++
      throw new Error('not in the bucket')
    }
    await expect(edgeModel(bucket, ref(sha), failing)).rejects.toThrow('not in the bucket')
    await expect(edgeModel(bucket, ref(sha), failing)).rejects.toThrow('not in the bucket')
    expect(loads).toBe(2)
  })
})
