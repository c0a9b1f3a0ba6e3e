import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { openApiDocument } from '@recsys/shared'
import { markdownFacts } from './markdown-facts.js'

const apiDoc = path.resolve(import.meta.dirname, '../../../docs/api.md')
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace']

describe('docs/api.md', () => {
  it('has a section for every operation of the edge OpenAPI document, and none it lacks', async () => {
    const { headings } = markdownFacts(await readFile(apiDoc, 'utf8'))
    const documented = headings
      .filter((h) => /^[A-Z]+ \/\S*$/.test(h))
      .filter((h) => METHODS.includes(h.split(' ')[0]!.toLowerCase()))
    const generated = Object.entries(openApiDocument().paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    )
    expect(documented.length).toBeGreaterThan(0)
    expect(new Set(documented).size, 'a heading twice').toBe(documented.length)
    expect([...documented].sort()).toEqual([...generated].sort())
  })
})
