import { describe, expect, it } from 'vitest'
import { saneRequestId } from '../util/request-id'
import { Id } from './common'

describe('ids and request ids from outside', () => {
  it('refuses "." and ".." as ids (they are path segments in file stores) and keeps dotted ids', () => {
    for (const bad of ['.', '..', '', 'a/b', 'a b', 'x'.repeat(129)])
      expect(Id.safeParse(bad).success, JSON.stringify(bad)).toBe(false)
    for (const good of ['...', '.a', 'a.', 'a..b', '.hidden', 'v1.2', '~', '-'])
      expect(Id.safeParse(good).success, good).toBe(true)
  })

  it('keeps a sane x-request-id and drops long, spaced or forged-looking ones', () => {
    expect(saneRequestId('req-1.a:b_C')).toBe('req-1.a:b_C')
    expect(saneRequestId('x'.repeat(128))).toBe('x'.repeat(128))
    for (const bad of [undefined, null, '', 'x'.repeat(129), 'a b', 'a"b', 'a\nb', 'é', 'a/b'])
      expect(saneRequestId(bad), JSON.stringify(bad)).toBeUndefined()
  })
})
