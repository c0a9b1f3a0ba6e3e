import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { envWith } from './fixtures'
import { call } from './request'

describe('/internal (local stack only)', () => {
  const token = 'admin-token-0123456789abcdef'
  it('is closed when EDGE_ADMIN_TOKEN is not set, whatever the caller sends', async () => {
    const res = await call('/internal/kv?key=x', { headers: { authorization: `Bearer ${token}` } })
    expect(res.status).toBe(401)
  })

  it('refuses a wrong token, and writes then reads with the right one', async () => {
    const e = envWith({ EDGE_ADMIN_TOKEN: token })
    const wrong = await call('/internal/kv', {
      env: e,
      method: 'PUT',
      body: { entries: [{ key: 'k-int', value: '"x"' }] },
      headers: { authorization: 'Bearer not-the-token' },
    })
    expect(wrong.status).toBe(401)
    const key = `internal-${crypto.randomUUID()}`
    const put = await call('/internal/kv', {
      env: e,
      method: 'PUT',
      body: { entries: [{ key, value: '{"a":1}' }] },
      headers: { authorization: `Bearer ${token}` },
    })
    expect(put.status).toBe(200)
    const get = await call(`/internal/kv?key=${key}`, {
      env: e,
      headers: { authorization: `Bearer ${token}` },
    })
    expect(await get.text()).toBe('{"a":1}')
    const bad = await call('/internal/kv', {
      env: e,
      method: 'PUT',
      body: { entries: [{ key: '', value: 1 }] },
      headers: { authorization: `Bearer ${token}` },
    })
    expect(bad.status).toBe(400)
  })

  it('stays closed when EDGE_ADMIN_TOKEN is set but short enough to guess; nothing is written', async () => {
    const key = `internal-short-${crypto.randomUUID()}`
    for (const short of ['x', 'admin', '123456789012345']) {
      const res = await call('/internal/kv', {
        env: envWith({ EDGE_ADMIN_TOKEN: short }),
        method: 'PUT',
        body: { entries: [{ key, value: '"pwned"' }] },
        headers: { authorization: `Bearer ${short}` },
      })
      expect(res.status).not.toBe(200)
      expect(((await res.json()) as any).error.code).toMatch(/^(UNAUTHORIZED|INTERNAL)$/)
    }
    expect(await env.EDGE_KV.get(key)).toBeNull()
  })
})

describe('/internal/r2 (local stack only)', () => {
  const token = 'admin-token-0123456789abcdef'
  const auth = { authorization: `Bearer ${token}` }
  /** Every byte value, twice, plus an odd tail: any re-encoding on the way would change it. */
  const bytes = new Uint8Array(2 * 256 + 3).map((_, i) => (i * 7) % 256)

  it('is closed without EDGE_ADMIN_TOKEN, and refuses a wrong token; nothing is written', async () => {
    const key = `t/t1/blobs/${crypto.randomUUID()}`
    const closed = await call(`/internal/r2/${key}`, { method: 'PUT', bytes, headers: auth })
    expect(closed.status).toBe(401)
    const e = envWith({ EDGE_ADMIN_TOKEN: token })
    const wrong = await call(`/internal/r2/${key}`, {
      env: e,
      method: 'PUT',
      bytes,
      headers: { authorization: 'Bearer not-the-token' },
    })
    expect(wrong.status).toBe(401)
    expect(
      (await call(`/internal/r2/${key}`, { env: e, headers: { authorization: '' } })).status,
    ).toBe(401)
    expect(await env.ARTIFACT_BUCKET.head(key)).toBeNull()
  })

  it('round-trips the exact bytes under a slashed key, keeping the content-type', async () => {
    const e = envWith({ EDGE_ADMIN_TOKEN: token })
    const key = `t/t1/blobs/${crypto.randomUUID()}`
    const put = await call(`/internal/r2/${key}`, {
      env: e,
      method: 'PUT',
      bytes,
      headers: { ...auth, 'content-type': 'application/octet-stream' },
    })
    expect(put.status).toBe(200)
    expect(await put.json()).toMatchObject({ key, size: bytes.length })

    const get = await call(`/internal/r2/${key}`, { env: e, headers: auth })
    expect(get.status).toBe(200)
    expect(get.headers.get('content-type')).toBe('application/octet-stream')
    expect(new Uint8Array(await get.arrayBuffer())).toEqual(bytes)
    // What the Worker's own binding sees is the same object.
    const stored = await env.ARTIFACT_BUCKET.get(key)
    expect(new Uint8Array(await stored!.arrayBuffer())).toEqual(bytes)
    expect(stored!.httpMetadata?.contentType).toBe('application/octet-stream')

    const head = await call(`/internal/r2/${key}`, { env: e, method: 'HEAD', headers: auth })
    expect(head.status).toBe(200)
    expect(head.headers.get('content-length')).toBe(String(bytes.length))
    expect(await head.text()).toBe('')
  })

  it('refuses a body over 64 MiB and writes nothing', async () => {
    const e = envWith({ EDGE_ADMIN_TOKEN: token })
    const key = `t/t1/blobs/big-${crypto.randomUUID()}`
    const res = await call(`/internal/r2/${key}`, {
      env: e,
      method: 'PUT',
      bytes: new Uint8Array(64 * 1024 * 1024 + 1),
      headers: auth,
    })
    expect(res.status).toBe(413)
    expect(((await res.json()) as any).error).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      message: expect.stringMatching(/larger than 67108864 bytes/),
    })
    expect(await env.ARTIFACT_BUCKET.head(key)).toBeNull()
  })

  it('answers 404 to GET and HEAD of an absent key', async () => {
    const e = envWith({ EDGE_ADMIN_TOKEN: token })
    const key = `t/t1/blobs/absent-${crypto.randomUUID()}`
    const get = await call(`/internal/r2/${key}`, { env: e, headers: auth })
    expect(get.status).toBe(404)
    expect(((await get.json()) as any).error.code).toBe('NOT_FOUND')
    expect(
      (await call(`/internal/r2/${key}`, { env: e, method: 'HEAD', headers: auth })).status,
    ).toBe(404)
  })
})

describe('/internal/log (the log bucket, read-only, local stack only)', () => {
  const token = 'admin-token-0123456789abcdef'
  const auth = { authorization: `Bearer ${token}` }

  it('lists a prefix page by page and returns objects; closed without the admin token', async () => {
    const e = envWith({ EDGE_ADMIN_TOKEN: token })
    const prefix = `logint-${crypto.randomUUID().slice(0, 8)}/2026-11-21/`
    const keys = Array.from({ length: 5 }, (_, i) => `${prefix}1${i}/event-${i}.ndjson`)
    for (const k of keys) await env.LOG_BUCKET.put(k, `{"k":"${k}"}\n`)
    expect((await call(`/internal/log?prefix=${prefix}`)).status).toBe(401)
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const q: string = `prefix=${encodeURIComponent(prefix)}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`
      const res = await call(`/internal/log?${q}`, { env: e, headers: auth })
      expect(res.status).toBe(200)
      const page = (await res.json()) as {
        objects: Array<{ key: string; size: number }>
        cursor: string | null
      }
      seen.push(...page.objects.map((o) => o.key))
      cursor = page.cursor
      pages++
    } while (cursor && pages < 10)
    expect(seen).toEqual(keys)
    expect(pages).toBe(3)
    const obj = await call(`/internal/log/${keys[1]}`, { env: e, headers: auth })
    expect(await obj.text()).toBe(`{"k":"${keys[1]}"}\n`)
    expect((await call(`/internal/log/${prefix}nope`, { env: e, headers: auth })).status).toBe(404)
    expect((await call(`/internal/log/${keys[1]}`)).status).toBe(401)
  })
})
