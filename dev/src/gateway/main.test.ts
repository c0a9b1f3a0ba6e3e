import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url))

describe('gateway CLI', () => {
  it('logs its URL, serves with the token from the environment, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      env: {
        ...process.env,
        UPSTASH_GATEWAY_PORT: '0',
        UPSTASH_REDIS_REST_TOKEN: 'cli-token',
        REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    try {
      let stdout = ''
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString('utf8')
          const match = /listening on (http:\/\/\S+)/.exec(stdout)
          if (match?.[1] !== undefined) resolve(match[1])
        })
        child.once('exit', (code) => reject(new Error(`exited with ${code}: ${stdout}`)))
      })
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(stdout.trim().split('\n')).toHaveLength(1)

      const denied = await fetch(`${url}/ping`, { headers: { authorization: 'Bearer dev-token' } })
      expect(denied.status).toBe(401)
      const ok = await fetch(`${url}/ping`, { headers: { authorization: 'Bearer cli-token' } })
      expect(await ok.json()).toEqual({ result: 'PONG' })

      const exit = once(child, 'exit')
      child.kill('SIGTERM')
      const [code, signal] = (await exit) as [number | null, string | null]
      expect({ code, signal }).toEqual({ code: 0, signal: null })
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    }
  })
})
