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
})
