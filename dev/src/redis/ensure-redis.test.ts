import { existsSync } from 'node:fs'
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { freePort } from '../net/free-port.js'
import { ensureRedis, type EnsuredRedis } from './ensure-redis.js'
import { pingRedis } from './ping.js'

const stops: EnsuredRedis[] = []
afterEach(async () => {
  for (const r of stops.splice(0)) await r.stop()
})

async function closedUrl(): Promise<string> {
  return `redis://127.0.0.1:${await freePort()}`
}

describe('ensureRedis', () => {
  it('starts a throwaway redis-server when no candidate answers, and stop() removes it', async () => {
    const closed = await closedUrl()
    const r = await ensureRedis({ candidates: [closed] })
    stops.push(r)
    expect(r.started).toBe(true)
    expect(r.url).not.toBe(closed)
    expect(await pingRedis(r.url)).toBe(true)

    const direct = new Redis(r.url)
    try {
      const [, dir] = (await direct.config('GET', 'dir')) as [string, string]
      const [, save] = (await direct.config('GET', 'save')) as [string, string]
      const [, aof] = (await direct.config('GET', 'appendonly')) as [string, string]
      expect({ save, aof }).toEqual({ save: '', aof: 'no' })
      expect(existsSync(dir)).toBe(true)
      direct.disconnect()

      await r.stop()
      expect(await pingRedis(r.url)).toBe(false)
      expect(existsSync(dir)).toBe(false)
    } finally {
      direct.disconnect()
    }
  })

  it('returns a Redis that already answers without starting another', async () => {
    const first = await ensureRedis({ candidates: [await closedUrl()] })
    stops.push(first)
    const second = await ensureRedis({ candidates: [await closedUrl(), first.url] })
    expect(second).toMatchObject({ url: first.url, started: false })
    await second.stop()
    expect(await pingRedis(first.url)).toBe(true)
  })

  it('tries REDIS_URL first by default', async () => {
    const first = await ensureRedis({ candidates: [await closedUrl()] })
    stops.push(first)
    const saved = process.env.REDIS_URL
    process.env.REDIS_URL = first.url
    try {
      expect(await ensureRedis()).toMatchObject({ url: first.url, started: false })
    } finally {
      if (saved === undefined) delete process.env.REDIS_URL
      else process.env.REDIS_URL = saved
    }
  })

  it('names what to install when redis-server is missing', async () => {
    const attempt = ensureRedis({
      candidates: [await closedUrl()],
      redisServerBin: '/nonexistent/redis-server',
    })
    await expect(attempt).rejects.toThrow(/apt-get install redis-server/)
  })
})
