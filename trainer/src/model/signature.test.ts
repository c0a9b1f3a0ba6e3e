import type { InferenceSession } from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { matchSignature } from './signature'

const tensor = (name: string, shape: (number | string)[], type = 'float32') =>
  ({ name, isTensor: true, type, shape }) as InferenceSession.ValueMetadata
const spec = (name: string, dims: number[]) => ({ name, type: 'float32' as const, dims })

describe('matchSignature', () => {
  it.each([
    ['a dim_param for a free dim', ['N', 4]],
    ['-1 for a free dim', [-1, 4]],
    ['an unknown shape', []],
  ])('accepts %s', (_, shape) => {
    expect(matchSignature('inputs', [spec('features', [-1, 4])], [tensor('features', shape)])).toBe(
      undefined,
    )
  })

  it('names the missing and the unexpected tensors', () => {
    const r = matchSignature(
      'inputs',
      [spec('features', [-1, 4]), spec('context', [-1, 2])],
      [tensor('features', ['N', 4]), tensor('x', ['N', 2])],
    )
    expect(r?.offending).toEqual(['context', 'x'])
    expect(r?.message).toMatch(/missing: "context".*not declared: "x"/)
  })

  it.each([
    ['a fixed batch where the metadata has a free one', [1, 4], /has shape \[1, 4\]/],
    ['another width', ['N', 5], /has shape \[N, 5\], declared \[-1, 4\]/],
    ['another rank', ['N', 4, 1], /has shape \[N, 4, 1\]/],
    ['a free dim where the metadata fixes one', ['N', 'F'], /has shape \[N, F\]/],
  ])('rejects %s', (_, shape, message) => {
    const r = matchSignature('outputs', [spec('score', [-1, 4])], [tensor('score', shape)])
    expect(r?.offending).toEqual(['score'])
    expect(r?.message).toMatch(message)
  })

  it('rejects another element type and a non-tensor', () => {
    const declared = [spec('a', [-1, 1]), spec('b', [-1, 1])]
    const r = matchSignature('outputs', declared, [
      tensor('a', ['N', 1], 'int64'),
      { name: 'b', isTensor: false },
    ])
    expect(r?.offending).toEqual(['a', 'b'])
    expect(r?.message).toMatch(/"a" is int64, declared float32; "b" is not a tensor/)
  })
})
