import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../net/free-port.js'
import { pingRedis } from './ping.js'

/** A Redis that answers PING, and how to stop it if this process started it. */
export interface EnsuredRedis {
  url: string
  /** Stops the redis-server this call started and removes its temp dir; a no-op otherwise. */
  stop(): Promise<void>
  /** True when this call started a redis-server; false when an existing Redis answered. */
  started: boolean
}

/** Overrides for {@link ensureRedis}; the defaults are what the local stack and tests want. */
export interface EnsureRedisOptions {
  /** URLs tried in order. Default: REDIS_URL when set, then redis://127.0.0.1:6379. */
  candidates?: string[]
  /** The redis-server executable, looked up on PATH unless a path. Default 'redis-server'. */
  redisServerBin?: string
  /** How long to wait for a started redis-server to answer PING (ms). Default 10000. */
  startTimeoutMs?: number
}

const INSTALL_HINT =
  'install Redis so that redis-server is on PATH (Debian/Ubuntu: `apt-get install redis-server`; ' +
  'macOS: `brew install redis`), or set REDIS_URL to a running Redis'

/**
 * Returns a redis URL that answers PING: the one at REDIS_URL or 127.0.0.1:6379 if it answers;
 * else starts `redis-server` from PATH on a free port (no persistence, in a temp dir) and returns
 * its URL plus a stop(); if redis-server is not installed, throws an Error whose message names what
 * to install (`apt-get install redis-server`).
 */
export async function ensureRedis(options: EnsureRedisOptions = {}): Promise<EnsuredRedis> {
  const candidates = options.candidates ?? defaultCandidates()
  for (const url of candidates) {
    if (await pingRedis(url)) return { url, stop: async () => undefined, started: false }
  }
  const bin = options.redisServerBin ?? 'redis-server'
  const timeoutMs = options.startTimeoutMs ?? 10_000
  // The free port can be taken before redis-server binds it; a second port usually settles it.
  let lastError: unknown
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startRedisServer(bin, await freePort(), timeoutMs)
    } catch (err) {
      if (err instanceof RedisNotInstalledError) throw err
      lastError = err
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError))
}

function defaultCandidates(): string[] {
  const fromEnv = process.env.REDIS_URL
  const fallback = 'redis://127.0.0.1:6379'
  return fromEnv !== undefined && fromEnv !== '' && fromEnv !== fallback
    ? [fromEnv, fallback]
    : [fallback]
}

class RedisNotInstalledError extends Error {
  constructor(bin: string) {
    super(`No Redis answered and '${bin}' could not be run: ${INSTALL_HINT}`)
    this.name = 'RedisNotInstalledError'
  }
}

async function startRedisServer(
  bin: string,
  port: number,
  timeoutMs: number,
): Promise<EnsuredRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'recsys-redis-'))
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--daemonize',
    'no',
    '--loglevel',
    'warning',
  ]
  const child = spawn(bin, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-4000)
  }
  child.stdout?.on('data', collect)
  child.stderr?.on('data', collect)
  const exited = new Promise<Error>((resolve) => {
    child.once('error', (err: NodeJS.ErrnoException) =>
      resolve(err.code === 'ENOENT' ? new RedisNotInstalledError(bin) : err),
    )
    child.once('exit', (code, signal) =>
      resolve(
        new Error(`redis-server exited early (${signal ?? `code ${code}`}): ${output.trim()}`),
      ),
    )
  })
  // If this process dies without calling stop(), do not leave the server behind.
  const killOnExit = (): void => {
    child.kill('SIGKILL')
  }
  process.once('exit', killOnExit)
  const url = `redis://127.0.0.1:${port}`
  const stop = async (): Promise<void> => {
    process.off('exit', killOnExit)
    await terminate(child)
    await rm(dir, { recursive: true, force: true })
  }
  const waiting = new AbortController()
  const failure = await Promise.race([
    exited,
    waitForPing(url, timeoutMs, waiting.signal).then(
      () => undefined,
      (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
    ),
  ])
  waiting.abort()
  if (failure !== undefined) {
    await stop()
    throw failure
  }
  return { url, stop, started: true }
}

async function waitForPing(url: string, timeoutMs: number, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline && !signal.aborted) {
    if (await pingRedis(url, 500)) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`redis-server at ${url} did not answer PING within ${timeoutMs} ms`)
}

/** SIGTERM, then SIGKILL if it has not exited within 3 s; resolves once it has exited. */
async function terminate(child: ChildProcess): Promise<void> {
  // No pid: it never started (ENOENT), so there is nothing to wait for.
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
  await exited
  clearTimeout(timer)
}
