import { describe, expect, it } from 'vitest'
import { Id } from './common'

describe('ids from outside', () => {
  it('refuses "." and ".." as ids (they are path segments in file stores) and keeps dotted ids', () => {
    for (const bad of ['.', '..', '', 'a/b', 'a b', 'x'.repeat(129)])
      expect(Id.safeParse(bad).success, JSON.stringify(bad)).toBe(false)
    for (const good of ['...', '.a', 'a.', 'a..b', '.hidden', 'v1.2', '~', '-'])
      expect(Id.safeParse(good).success, good).toBe(true)
  })
})
