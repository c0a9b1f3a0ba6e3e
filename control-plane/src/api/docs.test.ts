import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { createOperatorApp } from './app'
import type { ControlPlaneServices } from './context'

const doc = path.resolve(import.meta.dirname, '../../../docs/control-plane.md')

describe('docs/control-plane.md', () => {
  it('lists every operation of the operator API document in its routes table, and none the API lacks', async () => {
    // The document is built from the route schemas alone: no service is called to serve it.
    const app = createOperatorApp({} as ControlPlaneServices)
    const res = await app.request('/v1/openapi.json')
    expect(res.status).toBe(200)
    const openapi = (await res.json()) as { paths: Record<string, Record<string, unknown>> }
    const generated = Object.entries(openapi.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    )
    const text = await readFile(doc, 'utf8')
    const documented = [...text.matchAll(/^\| `((?:GET|POST|PUT|PATCH|DELETE) \/\S+)`/gm)].map(
      (m) => m[1]!,
    )
    expect(generated.length).toBeGreaterThan(0)
    expect(new Set(documented).size, 'a route listed twice').toBe(documented.length)
    expect([...documented].sort()).toEqual([...generated].sort())
  })
})
