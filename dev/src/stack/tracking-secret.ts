import { randomBytes } from 'node:crypto'
import { link, readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'

/** The file of a data directory that holds its tracking secret. */
export const TRACKING_SECRET_FILE = 'tracking-secret'

/**
 * The local stack's tracking secret: `given` when set (the `TRACKING_SECRET` environment variable), else the one
 * stored in `dataDir`, else a new random one (32 bytes, base64url) stored there (mode 0600) for the next start.
 * @note Per data directory and random, never a fixed example: a published secret lets anyone mint tokens that count
 * as impressions and clicks. Tokens served before a restart stay valid, since the secret is reused.
 */
export async function trackingSecret(dataDir: string, given?: string): Promise<string> {
  if (given) return given
  const file = path.join(dataDir, TRACKING_SECRET_FILE)
  const stored = await readSecret(file)
  if (stored) return stored
  const fresh = randomBytes(32).toString('base64url')
  // Written whole under a temporary name, then linked into place: link() fails if the file exists, so two stacks
  // starting on one directory keep the first secret, and none reads a file half written.
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`
  await writeFile(tmp, `${fresh}\n`, { flag: 'wx', mode: 0o600 })
  try {
    await link(tmp, file)
    return fresh
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
    const other = await readSecret(file)
    if (!other) throw new Error(`${file} holds no secret: delete it to start afresh`)
    return other
  } finally {
    await rm(tmp, { force: true })
  }
}

async function readSecret(file: string): Promise<string | undefined> {
  try {
    return (await readFile(file, 'utf8')).trim() || undefined
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw e
  }
}
