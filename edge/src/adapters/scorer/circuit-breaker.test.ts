import { describe, expect, it } from 'vitest'
import { breakerFor, CircuitBreaker } from './circuit-breaker'

/** The breaker as a pure state machine, driven by a fake clock. */
function setup(failures = 3, pauseMs = 1000) {
  let t = 0
  const b = new CircuitBreaker({ failures, pauseMs, now: () => t })
  return { b, advance: (ms: number) => (t += ms) }
}

describe('circuit breaker', () => {
  it('stays closed below the threshold; a success resets the count', () => {
    const { b } = setup(3)
    b.failure()
    b.failure()
    b.success()
    b.failure()
    b.failure()
    expect(b.state).toBe('closed')
    expect(b.admit()).toBe(true)
  })

  it('opens after N consecutive failures and refuses calls during the pause', () => {
    const { b, advance } = setup(3, 1000)
    for (let i = 0; i < 3; i++) {
      expect(b.admit()).toBe(true)
      b.failure()
    }
    expect(b.state).toBe('open')
    expect(b.available()).toBe(false)
    expect(b.admit()).toBe(false)
    advance(999)
    expect(b.admit()).toBe(false)
  })

  it('half-opens after the pause with exactly one trial; success closes it', () => {
    const { b, advance } = setup(2, 1000)
    b.failure()
    b.failure()
    advance(1000)
    expect(b.available()).toBe(true)
    expect(b.admit()).toBe(true)
    expect(b.state).toBe('half_open')
    // A second caller while the trial is in flight is refused.
    expect(b.available()).toBe(false)
    expect(b.admit()).toBe(false)
    b.success()
    expect(b.state).toBe('closed')
    expect(b.admit()).toBe(true)
    // The count restarted: one failure does not reopen it.
    b.failure()
    expect(b.state).toBe('closed')
  })

  it('a failed trial reopens it for another full pause', () => {
    const { b, advance } = setup(2, 1000)
    b.failure()
    b.failure()
    advance(1500)
    expect(b.admit()).toBe(true)
    b.failure()
    expect(b.state).toBe('open')
    advance(999)
    expect(b.admit()).toBe(false)
    advance(1)
    expect(b.admit()).toBe(true)
  })

  it('a trial that never reports lets another trial through after a pause', () => {
    const { b, advance } = setup(1, 1000)
    b.failure()
    advance(1000)
    expect(b.admit()).toBe(true)
    advance(999)
    expect(b.admit()).toBe(false)
    advance(1)
    expect(b.admit()).toBe(true)
  })

  it('one breaker per scorer URL and settings in an isolate', () => {
    const a = breakerFor('http://s1', { failures: 2, pauseMs: 10 })
    expect(breakerFor('http://s1', { failures: 2, pauseMs: 10 })).toBe(a)
    expect(breakerFor('http://s2', { failures: 2, pauseMs: 10 })).not.toBe(a)
  })
})
