import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startControlPlane, type ControlPlane } from '../server'

/**
 * `recsys operator rotate|disable` as operators run them (the launcher in a child process) against a real control
 * plane on in-memory PGlite (issue 18, finding 7). Operator changes touch neither Redis nor the edge: both point at
 * a closed port.
 */
const bin = path.resolve(import.meta.dirname, '../../bin/recsys.js')
const run = Math.random().toString(36).slice(2, 8)

describe('recsys operator rotate and disable', () => {
  let cp: ControlPlane
  let dir: string

  const recsys = (args: string[], token: string) =>
    new Promise<{ code: number; json: any; stderr: string }>((resolve) => {
      const env = { ...process.env, RECSYS_API_URL: cp.url, RECSYS_TOKEN: token }
      execFile(process.execPath, [bin, ...args, '--json'], { env }, (err, stdout, stderr) => {
        let json: any
        try {
          json = JSON.parse(stdout)
        } catch {
          json = undefined
        }
        resolve({ code: err ? Number(err.code ?? 1) : 0, json, stderr })
      })
    })

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'recsys-op-sec-'))
    cp = await startControlPlane({
      port: 0,
      dataDir: dir,
      databaseUrl: 'memory://',
      redis: { url: 'http://127.0.0.1:9', token: 'unused' },
      edge: { url: 'http://127.0.0.1:9', token: 'unused' },
      reconcileMs: 0,
    })
  }, 60_000)
  afterAll(async () => {
    await cp?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('rotates a token (the old one is refused at once) and disables the operator (the new one is refused too)', async () => {
    const admin = cp.adminToken!
    const id = `alice-${run}`
    const made = await recsys(
      ['operator', 'create', id, '--role', 'sre', '--expires-in-days', '3'],
      admin,
    )
    expect(made.code, made.stderr).toBe(0)
    const days = (Date.parse(made.json.operator.expires_at) - Date.now()) / 86_400_000
    expect(days).toBeGreaterThan(2.9)
    expect(days).toBeLessThanOrEqual(3)
    const first = made.json.token as string
    expect((await recsys(['whoami'], first)).json).toEqual({ id, role: 'sre' })

    const rotated = await recsys(['operator', 'rotate', id, '--reason', 'quarterly'], admin)
    expect(rotated.code, rotated.stderr).toBe(0)
    const second = rotated.json.token as string
    const old = await recsys(['whoami'], first)
    expect(old.code).toBe(1)
    expect(old.json.error.code).toBe('UNAUTHORIZED')
    expect((await recsys(['whoami'], second)).json).toEqual({ id, role: 'sre' })

    const noReason = await recsys(['operator', 'disable', id], admin)
    expect(noReason.code).toBe(2)
    const disabled = await recsys(['operator', 'disable', id, '--reason', 'left'], admin)
    expect(disabled.code, disabled.stderr).toBe(0)
    expect(disabled.json.operator).toMatchObject({ id, disabled: true })
    const refused = await recsys(['whoami'], second)
    expect(refused.code).toBe(1)
    expect(refused.json.error).toMatchObject({ code: 'UNAUTHORIZED' })

    const listed = await recsys(['operator', 'list'], admin)
    expect(listed.json.operators.find((o: any) => o.id === id)).toMatchObject({ disabled: true })
    const audit = await recsys(['audit', '--action', 'operator.*'], admin)
    const mine = audit.json.entries.filter((e: any) => e.target === id)
    expect(mine.map((e: any) => [e.action, e.target])).toEqual([
      ['operator.disable', id],
      ['operator.rotate', id],
      ['operator.create', id],
    ])
    // Eleven launcher starts (tsx compiles the CLI each time) on a shared two-core machine.
  }, 180_000)
})
