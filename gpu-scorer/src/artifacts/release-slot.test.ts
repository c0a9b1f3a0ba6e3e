import { describe, expect, it } from 'vitest'
import type { LoadedRelease } from './loaded-release'
import { ReleaseSlot } from './release-slot'

const rel = (release: string) => ({ tenant: 't', release }) as LoadedRelease

describe('ReleaseSlot', () => {
  it('serves the new release at once and disposes the old one only when its last request is done', () => {
    const disposed: string[] = []
    const slot = new ReleaseSlot((r) => disposed.push(r.release))
    expect(slot.acquire()).toBeUndefined()
    slot.swap(rel('r1'))
    const a = slot.acquire()!
    const b = slot.acquire()!
    slot.swap(rel('r2'))
    expect(slot.acquire()!.release.release).toBe('r2')
    expect(a.release.release).toBe('r1')
    a.done()
    a.done() // idempotent: must not release b's hold
    expect(disposed).toEqual([])
    expect([...slot.draining].map((r) => r.release)).toEqual(['r1'])
    b.done()
    expect(disposed).toEqual(['r1'])
    expect(slot.draining.size).toBe(0)
  })

  it('disposes a replaced release nobody holds at once, and the live one on clear', () => {
    const disposed: string[] = []
    const slot = new ReleaseSlot((r) => disposed.push(r.release))
    slot.swap(rel('r1'))
    slot.swap(rel('r2'))
    expect(disposed).toEqual(['r1'])
    const held = slot.acquire()!
    slot.clear()
    expect(slot.acquire()).toBeUndefined()
    expect(disposed).toEqual(['r1'])
    held.done()
    expect(disposed).toEqual(['r1', 'r2'])
  })
})
