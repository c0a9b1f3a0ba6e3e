import { describe, expect, it } from 'vitest'
import { jsonDepthAtMost } from './json-depth'

describe('jsonDepthAtMost', () => {
  it('counts nesting of arrays and objects, not scalars', () => {
    expect(jsonDepthAtMost(1, 0)).toBe(true)
    expect(jsonDepthAtMost({}, 0)).toBe(false)
    expect(jsonDepthAtMost({ a: [1, { b: 2 }] }, 3)).toBe(true)
    expect(jsonDepthAtMost({ a: [1, { b: 2 }] }, 2)).toBe(false)
    expect(jsonDepthAtMost([[], [[]]], 3)).toBe(true)
  })

  it('measures a value nested 200,000 deep without exhausting the stack', () => {
    const deep = JSON.parse('['.repeat(200_000) + ']'.repeat(200_000)) as unknown
    expect(jsonDepthAtMost(deep, 32)).toBe(false)
  })
})
