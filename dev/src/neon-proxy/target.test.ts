import { describe, expect, it } from 'vitest'
import { pgErrorResponse } from './pg-error.js'
import { isLoopbackAddress, parseTarget, refusal, targetPolicy } from './target.js'

describe('parseTarget', () => {
  it('reads host:port, [v6]:port and a bare v6 host', () => {
    expect(parseTarget('127.0.0.1:5432')).toEqual({
      ok: true,
      target: { host: '127.0.0.1', port: 5432 },
    })
    expect(parseTarget('LocalHost:1')).toEqual({ ok: true, target: { host: 'localhost', port: 1 } })
    expect(parseTarget('[::1]:5432')).toEqual({ ok: true, target: { host: '::1', port: 5432 } })
    expect(parseTarget('::1:5432')).toEqual({ ok: true, target: { host: '::1', port: 5432 } })
  })

  it('rejects missing, portless, out-of-range and odd addresses', () => {
    for (const bad of [null, '', 'localhost', 'localhost:', ':5432', 'h:0', 'h:65536', 'h:54x']) {
      expect(parseTarget(bad)).toMatchObject({ ok: false })
    }
    expect(parseTarget('a b:5432')).toMatchObject({ ok: false, reason: /invalid host/ })
    expect(parseTarget('evil.com/x:5432')).toMatchObject({ ok: false })
  })
})

describe('isLoopbackAddress', () => {
  it('accepts 127/8, ::1 and IPv4-mapped loopback; nothing else', () => {
    for (const a of ['127.0.0.1', '127.255.0.9', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) {
      expect(isLoopbackAddress(a), a).toBe(true)
    }
    for (const a of ['10.0.0.1', '0.0.0.0', '::', '::ffff:10.0.0.1', 'localhost', '128.0.0.1']) {
      expect(isLoopbackAddress(a), a).toBe(false)
    }
  })
})

describe('refusal', () => {
  const target = (address: string) => {
    const parsed = parseTarget(address)
    if (!parsed.ok) throw new Error(parsed.reason)
    return parsed.target
  }

  it('by default allows any port on loopback hosts and refuses the rest', () => {
    const policy = targetPolicy()
    expect(refusal(policy, target('127.0.0.1:5432'))).toBeUndefined()
    expect(refusal(policy, target('localhost:6543'))).toBeUndefined()
    expect(refusal(policy, target('[::1]:5432'))).toBeUndefined()
    expect(refusal(policy, target('10.0.0.1:5432'))).toMatch(/10\.0\.0\.1:5432 is not allowed/)
    expect(refusal(policy, target('db.example.com:5432'))).toMatch(/only connects to loopback/)
  })

  it('with a list allows exactly the listed host:port pairs', () => {
    const policy = targetPolicy(['127.0.0.1:5432', 'LOCALHOST:5432', '[::1]:5433'])
    expect(refusal(policy, target('127.0.0.1:5432'))).toBeUndefined()
    expect(refusal(policy, target('localhost:5432'))).toBeUndefined()
    expect(refusal(policy, target('::1:5433'))).toBeUndefined()
    expect(refusal(policy, target('127.0.0.1:5433'))).toMatch(/not allowed \(allowed: /)
    expect(refusal(targetPolicy([]), target('127.0.0.1:5432'))).toMatch(/allowed: none/)
  })

  it('throws on a malformed list entry', () => {
    expect(() => targetPolicy(['127.0.0.1'])).toThrow(/allowedTargets/)
  })
})

describe('pgErrorResponse', () => {
  it('is a well-formed FATAL ErrorResponse', () => {
    const msg = pgErrorResponse('08004', 'nope')
    expect(msg.subarray(0, 1).toString()).toBe('E')
    expect(msg.readInt32BE(1)).toBe(msg.length - 1)
    expect(msg.subarray(5).toString()).toBe('SFATAL\0VFATAL\0C08004\0Mnope\0\0')
  })
})
