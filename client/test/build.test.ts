import { execFile } from 'node:child_process'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const root = path.resolve(import.meta.dirname, '..')

/**
 * `npm run build -w @recsys/client` emits ESM with declarations (tsconfig.build.json, the sources only, no Node
 * types): built here into a temp folder, then imported by plain Node, as a user of the package would.
 */
describe('the client package build', () => {
  let out: string
  afterAll(async () => {
    if (out) await rm(out, { recursive: true, force: true })
  })

  it('emits ES modules and their types, which plain Node imports', async () => {
    out = await mkdtemp(path.join(tmpdir(), 'recsys-client-'))
    const tsc = path.resolve(root, '../node_modules/typescript/bin/tsc')
    await run(process.execPath, [
      tsc,
      '-p',
      path.join(root, 'tsconfig.build.json'),
      '--outDir',
      out,
    ])
    const files = (await readdir(out)).sort()
    expect(files).toEqual(
      expect.arrayContaining(['index.js', 'index.d.ts', 'client.js', 'error.d.ts']),
    )
    expect(files.some((f) => f.includes('test'))).toBe(false)
    await writeFile(path.join(out, 'package.json'), JSON.stringify({ type: 'module' }))
    const probe = `
      import { createClient, RecsysError } from ${JSON.stringify(path.join(out, 'index.js'))}
      const c = createClient({ baseUrl: 'http://127.0.0.1:9', apiKey: 'k' })
      const e = new RecsysError('RATE_LIMITED', 'x', 429)
      console.log(JSON.stringify({ methods: Object.keys(c).sort(), retryable: e.retryable }))`
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', probe])
    expect(JSON.parse(stdout)).toEqual({
      methods: ['deleteUser', 'recommend', 'sendEvents', 'setConsent'],
      retryable: true,
    })
  })
})
