import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { TRACKING_SECRET_FILE, trackingSecret } from './tracking-secret'

const dirs: string[] = []
const dataDir = async () => {
  const d = await mkdtemp(path.join(os.tmpdir(), 'recsys-secret-'))
  dirs.push(d)
  return d
}
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
})

describe('the local stack tracking secret (security: tokens forgeable with the example secret)', () => {
  it('is random per data directory, never the example, and kept for the next start', async () => {
    const a = await dataDir()
    const b = await dataDir()
    const first = await trackingSecret(a)
    expect(first).not.toBe('dev-tracking-secret-change-me')
    expect(first.length).toBeGreaterThanOrEqual(32)
    // A restart on the same directory signs as before: tokens already served stay valid.
    expect(await trackingSecret(a)).toBe(first)
    expect(await trackingSecret(b)).not.toBe(first)
    const file = path.join(a, TRACKING_SECRET_FILE)
    expect((await readFile(file, 'utf8')).trim()).toBe(first)
    // Only its owner can read it.
    expect((await stat(file)).mode & 0o077).toBe(0)
  })

  it('two starts racing on a fresh directory agree on one secret', async () => {
    const d = await dataDir()
    const got = await Promise.all(Array.from({ length: 8 }, () => trackingSecret(d)))
    expect(new Set(got).size).toBe(1)
  })

  it('takes TRACKING_SECRET from the environment when given, and stores nothing', async () => {
    const d = await dataDir()
    expect(await trackingSecret(d, 'an-operator-chosen-secret-0123456789')).toBe(
      'an-operator-chosen-secret-0123456789',
    )
    await expect(readFile(path.join(d, TRACKING_SECRET_FILE))).rejects.toThrow(/ENOENT/)
  })
})
