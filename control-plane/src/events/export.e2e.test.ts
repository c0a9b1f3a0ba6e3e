import { execFile } from 'node:child_process'
import { createHash, randomUUID } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { kvKeys } from '@recsys/shared'
import { startEdgeStack } from '../../test/edge-stack'
import { exportLog } from './export'
import { LocalLogReader } from './local-log-reader'

/**
 * `recsys events export` end to end: events posted to a real edge Worker (wrangler's local dev engine, real Queue
 * and R2, real Redis behind the gateway) reach the log through its queue consumer, and the export copies them.
 */
const root = path.resolve(import.meta.dirname, '../../..')
const bin = path.join(root, 'control-plane/bin/recsys.js')
const tenant = `exp-${randomUUID().slice(0, 8)}`

/** The CLI's environment without the variables that pick a log reader. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env }
  delete env.EDGE_ADMIN_TOKEN
  delete env.CLOUDFLARE_API_TOKEN
  return env
}

async function files(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile()) out.push(path.relative(dir, path.join(e.parentPath, e.name)))
  return out.sort()
}

describe('recsys events export', () => {
  let stack: Awaited<ReturnType<typeof startEdgeStack>>
  let dir: string
  const eventIds = Array.from({ length: 120 }, (_, i) => `ev-${i}-${randomUUID().slice(0, 6)}`)

  beforeAll(async () => {
    stack = await startEdgeStack()
    dir = await mkdtemp(path.join(tmpdir(), 'recsys-export-'))
    const key = `rk_${randomUUID().replace(/-/g, '')}`
    // Deletion takes a server key of its own (`users`): the events key is the kind shipped in clients.
    const serverKey = `rk_${randomUUID().replace(/-/g, '')}`
    const record = (k: string, key_id: string, permissions: string[]) => ({
      key: kvKeys.apiKey(createHash('sha256').update(k).digest('hex')),
      value: { tenant, key_id, permissions, disabled: false },
    })
    await stack.edge.putJson([
      record(key, 'e2e', ['events']),
      record(serverKey, 'e2e-server', ['users']),
    ])
    const post = (events: unknown[]) =>
      fetch(`${stack.url}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ events }),
      })
    for (let i = 0; i < eventIds.length; i += 40) {
      const res = await post(
        eventIds.slice(i, i + 40).map((event_id, j) => ({
          event_id,
          type: 'view',
          user_id: `u${j % 7}`,
          item_id: `i${j}`,
          event_time: new Date().toISOString(),
        })),
      )
      expect(await res.json()).toMatchObject({ accepted: 40, duplicates: 0 })
    }
    const del = await fetch(`${stack.url}/v1/users/u1`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${serverKey}` },
    })
    expect(del.status).toBe(202)
    // The consumer writes in batches (up to 2 s): wait until the log holds everything.
    const reader = new LocalLogReader(stack.edgeAdmin)
    const until = Date.now() + 30_000
    for (;;) {
      const page = await reader.list(`${tenant}/`)
      const text = (
        await Promise.all(
          page.objects.map(async (o) => Buffer.from(await reader.get(o.key)).toString()),
        )
      ).join('')
      const events = text.match(/"kind":"event"/g)?.length ?? 0
      if (events >= eventIds.length && text.includes('"kind":"deletion"')) break
      if (Date.now() > until) throw new Error(`the log did not fill in time (${events} events)`)
      await new Promise((r) => setTimeout(r, 250))
    }
  }, 120_000)
  afterAll(async () => {
    await stack?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  const recsys = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        [bin, ...args],
        {
          cwd: root,
          env: cleanEnv(),
        },
        (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
      ),
    )

  it('copies every object under <out>/<tenant>/<date>/<hour>/, each accepted event once, the deletion record too', async () => {
    const out = path.join(dir, 'a')
    const args = ['events', 'export', '--tenant', tenant, '--since', '2h', '--out', out]
    const edge = ['--edge-url', stack.url, '--edge-token', stack.edgeAdmin.token]
    const r = await recsys([...args, ...edge, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const report = JSON.parse(r.stdout)
    expect(report).toMatchObject({ tenant, written: report.objects, skipped: 0 })
    expect(report.records).toEqual({ event: eventIds.length, deletion: 1 })
    expect(r.stderr).toMatch(/exporting the log/)

    const written = await files(out)
    expect(written.length).toBe(report.objects)
    for (const f of written)
      expect(f).toMatch(
        new RegExp(
          `^${tenant}/\\d{4}-\\d{2}-\\d{2}/\\d{2}/(event|deletion)-[0-9a-f]{16}\\.ndjson$`,
        ),
      )
    const recs = (await Promise.all(written.map((f) => readFile(path.join(out, f), 'utf8'))))
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    const ids = recs.filter((x) => x.kind === 'event').map((x) => x.event_id)
    expect(ids.length).toBe(eventIds.length)
    expect(new Set(ids)).toEqual(new Set(eventIds))
    expect(recs.find((x) => x.kind === 'deletion')).toMatchObject({ tenant, user_id: 'u1' })

    // Again: nothing to copy. A range before the events: nothing at all.
    const again = JSON.parse((await recsys([...args, ...edge, '--json'])).stdout)
    expect(again).toMatchObject({ written: 0, skipped: report.objects })
    const before = await exportLog({
      reader: new LocalLogReader(stack.edgeAdmin),
      tenant,
      since: new Date(Date.now() - 5 * 3_600_000),
      until: new Date(Date.now() - 3 * 3_600_000),
      dir: path.join(dir, 'b'),
    })
    expect(before.objects).toBe(0)
  })

  it('without an edge token or Cloudflare credentials: a usage error (exit 2) naming both', async () => {
    const r = await recsys(['events', 'export', '--tenant', tenant, '--since', '1h', '--json'])
    expect(r.code).toBe(2)
    expect(JSON.parse(r.stdout).error.message).toMatch(/EDGE_ADMIN_TOKEN.*CLOUDFLARE_API_TOKEN/s)
  })
})
