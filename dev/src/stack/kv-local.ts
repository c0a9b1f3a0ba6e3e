import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { wranglerBin } from './wrangler-dev'

const run = promisify(execFile)

/** Writes key/value pairs into the local KV state that `wrangler dev --persist-to` serves (wrangler's bulk put). */
export async function putLocalKv(opts: {
  config: string
  binding: string
  persistTo: string
  entries: Array<{ key: string; value: unknown }>
}): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'recsys-kv-'))
  try {
    // wrangler's bulk put takes up to 10,000 pairs per file.
    for (let i = 0; i < opts.entries.length; i += 10_000) {
      const file = path.join(dir, `bulk-${i}.json`)
      const chunk = opts.entries
        .slice(i, i + 10_000)
        .map((e) => ({ key: e.key, value: JSON.stringify(e.value) }))
      await writeFile(file, JSON.stringify(chunk))
      await run(
        process.execPath,
        [
          wranglerBin(),
          'kv',
          'bulk',
          'put',
          file,
          '--binding',
          opts.binding,
          '--local',
          '--config',
          path.resolve(opts.config),
          '--persist-to',
          path.resolve(opts.persistTo),
        ],
        {
          env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' },
          maxBuffer: 16 * 1024 * 1024,
        },
      )
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
