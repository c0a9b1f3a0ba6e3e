import { Redis, errors } from '@upstash/redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from './test-support.js'

// The real @upstash/redis client, configured as the edge code will be (auto-pipelining and base64
// responses are its defaults), against the gateway over a real Redis.
let t: TestGateway
let redis: Redis
let plain: Redis
let unpipelined: Redis

beforeAll(async () => {
  t = await startTestGateway()
  const base = { url: t.gateway.url, token: t.token, enableTelemetry: false, retry: { retries: 0 } }
  redis = new Redis(base)
  plain = new Redis({ ...base, responseEncoding: false })
  unpipelined = new Redis({ ...base, enableAutoPipelining: false })
})

afterAll(async () => {
  await t?.cleanup()
})

describe('@upstash/redis against the gateway', () => {
  it('sets and gets strings, and reads a missing key as null', async () => {
    const k = t.key('str')
    expect(await redis.set(k, 'hello')).toBe('OK')
    expect(await redis.get(k)).toBe('hello')
    expect(await redis.get(t.key('missing'))).toBeNull()
  })

  it('round-trips JSON values that the client serialises', async () => {
    const k = t.key('json')
    const value = { id: 7, tags: ['a', 'b'], nested: { ok: true, score: 0.25 }, none: null }
    await redis.set(k, value)
    expect(await redis.get(k)).toEqual(value)
    expect(await t.direct.get(k)).toBe(JSON.stringify(value))
  })

  it('increments counters', async () => {
    const k = t.key('counter')
    expect(await redis.incr(k)).toBe(1)
    expect(await redis.incr(k)).toBe(2)
    expect(await redis.incrby(k, 40)).toBe(42)
  })

  it('writes and reads hashes', async () => {
    const k = t.key('hash')
    expect(await redis.hset(k, { name: 'ada', visits: 3 })).toBe(2)
    expect(await redis.hgetall(k)).toEqual({ name: 'ada', visits: 3 })
    expect(await redis.hget(k, 'name')).toBe('ada')
  })

  it('writes and reads sets', async () => {
    const k = t.key('set')
    expect(await redis.sadd(k, 'a', 'b', 'c')).toBe(3)
    expect(await redis.sadd(k, 'a')).toBe(0)
    expect((await redis.smembers(k)).sort()).toEqual(['a', 'b', 'c'])
    expect(await redis.smismember(k, ['a', 'z', 'c'])).toEqual([1, 0, 1])
  })

  it('writes sorted sets and reads them back with scores', async () => {
    const k = t.key('zset')
    await redis.zadd(k, { score: 2.5, member: 'two' }, { score: 1, member: 'one' })
    expect(await redis.zrange(k, 0, -1, { withScores: true })).toEqual(['one', 1, 'two', 2.5])
    expect(await redis.zscore(k, 'two')).toBe(2.5)
  })

  it('pushes to and ranges over lists', async () => {
    const k = t.key('list')
    expect(await redis.lpush(k, 'a', 'b')).toBe(2)
    expect(await redis.lrange(k, 0, -1)).toEqual(['b', 'a'])
  })

  it('deletes keys', async () => {
    const [a, b] = [t.key('del-a'), t.key('del-b')]
    await redis.set(a, 1)
    await redis.set(b, 2)
    expect(await redis.del(a, b, t.key('del-missing'))).toBe(2)
    expect(await redis.exists(a, b)).toBe(0)
  })

  it('sets expiries and reports TTLs', async () => {
    const k = t.key('ttl')
    await redis.set(k, 'v')
    expect(await redis.ttl(k)).toBe(-1)
    // A day: between EXPIRE and TTL the count may drop by however long a loaded machine takes, never by hours.
    expect(await redis.expire(k, 86_400)).toBe(1)
    const ttl = await redis.ttl(k)
    expect(ttl).toBeGreaterThan(86_400 - 3600)
    expect(ttl).toBeLessThanOrEqual(86_400)
    expect(await redis.ttl(t.key('ttl-missing'))).toBe(-2)
  })

  it('executes an explicit pipeline in order', async () => {
    const k = t.key('pipe')
    const results = await redis.pipeline().set(k, 5).incr(k).get(k).exec()
    expect(results).toEqual(['OK', 6, 6])
  })

  it('executes a transaction with multi()', async () => {
    const k = t.key('multi')
    const results = await redis.multi().set(k, 10).incr(k).get(k).exec()
    expect(results).toEqual(['OK', 11, 11])
  })

  it('reports a failing command inside multi() per command with keepErrors', async () => {
    const k = t.key('multi-err')
    const results = await redis.multi().set(k, 'x').hget(k, 'f').get(k).exec({ keepErrors: true })
    expect(results[0]).toEqual({ result: 'OK', error: undefined })
    expect(results[1]?.error).toMatch(/^WRONGTYPE/)
    expect(results[2]).toEqual({ result: 'x', error: undefined })
    await expect(redis.multi().hget(k, 'f').exec()).rejects.toThrow(/WRONGTYPE/)
  })

  it('surfaces a Redis error as a thrown UpstashError carrying Redis’s message', async () => {
    const k = t.key('wrongtype')
    await redis.set(k, 'a string')
    // Auto-pipelined (the default): the error comes from a /pipeline entry.
    const viaPipeline = redis.hget(k, 'field')
    await expect(viaPipeline).rejects.toBeInstanceOf(errors.UpstashError)
    await expect(viaPipeline).rejects.toThrow(
      'WRONGTYPE Operation against a key holding the wrong kind of value',
    )
    // Without auto-pipelining: the error comes from a 400 answer to POST /.
    await expect(unpipelined.hget(k, 'field')).rejects.toThrow(
      /^WRONGTYPE Operation against a key holding the wrong kind of value, command was: /,
    )
  })

  it('round-trips non-ASCII and control characters byte for byte', async () => {
    const value = 'héllo wörld ✓ 日本語 🎉 \u0000\u0001\u001f\u007f\t\n "quoted" \\back\\ ∑'
    for (const [name, client] of [
      ['base64', redis],
      ['plain', plain],
      ['unpipelined', unpipelined],
    ] as const) {
      const k = t.key(`unicode-${name}`)
      await client.set(k, value)
      expect(await client.get(k)).toBe(value)
      expect(await t.direct.getBuffer(k)).toEqual(Buffer.from(value, 'utf8'))
    }
  })
})
