import { env } from 'cloudflare:workers'
import { ManifestPointer } from '@recsys/shared'
import { describe, expect, it } from 'vitest'
import { KvEdgeStore } from './kv'

/**
 * The isolate cache of mutable documents (the release pointer, API keys) over real Miniflare KV, on an injected
 * clock: what bounds how long a publish or rollback goes unseen by an isolate that has read the old pointer.
 */
describe('KvEdgeStore.getMutable', () => {
  const pointer = (release: string) =>
    JSON.stringify({ release, updated_at: '2026-11-21T00:00:00.000Z' })

  it('serves what it read for less than ttlMs, and reads KV again once ttlMs have passed', async () => {
    let now = 1_000_000
    const store = new KvEdgeStore(env.EDGE_KV, () => now)
    const key = `test:kv-ttl:${crypto.randomUUID()}`
    await env.EDGE_KV.put(key, pointer('r1'))
    expect((await store.getMutable(key, ManifestPointer, 1000))?.release).toBe('r1')
    await env.EDGE_KV.put(key, pointer('r2'))
    now += 999
    expect((await store.getMutable(key, ManifestPointer, 1000))?.release).toBe('r1')
    now += 1
    expect((await store.getMutable(key, ManifestPointer, 1000))?.release).toBe('r2')
  })

  it('caches an absent document too, for the same ttlMs', async () => {
    let now = 1_000_000
    const store = new KvEdgeStore(env.EDGE_KV, () => now)
    const key = `test:kv-ttl:${crypto.randomUUID()}`
    expect(await store.getMutable(key, ManifestPointer, 1000)).toBeNull()
    await env.EDGE_KV.put(key, pointer('r1'))
    now += 999
    expect(await store.getMutable(key, ManifestPointer, 1000)).toBeNull()
    now += 1
    expect((await store.getMutable(key, ManifestPointer, 1000))?.release).toBe('r1')
  })
})
