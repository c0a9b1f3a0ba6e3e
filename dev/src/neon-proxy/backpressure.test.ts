import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import {
  BackendMessages,
  direct,
  queryMessage,
  startupMessage,
  uniqueTable,
  within,
} from './test-support.js'
import { startNeonWsProxy, type WsProxy } from './ws-proxy.js'

let proxy: WsProxy
beforeAll(async () => {
  proxy = await startNeonWsProxy()
})
afterAll(() => proxy?.close())

/** What the backend behind `applicationName` is doing now. */
async function backendState(applicationName: string): Promise<string> {
  const rows = await direct<{ state: string; wait_event: string | null }>(
    'select state, wait_event from pg_stat_activity where application_name = $1',
    [applicationName],
  )
  return rows.map((r) => `${r.state}/${r.wait_event ?? '-'}`).join(',')
}

describe('backpressure', () => {
  it('stops reading from Postgres while the WebSocket client does not read', async () => {
    const app = uniqueTable('bp')
    const rows = 512
    const rowBytes = 64 * 1024 // 32 MiB in all: far more than socket buffers plus the proxy's limit
    const ws = new WebSocket(`${proxy.url}/v1?address=127.0.0.1:5432`)
    const parser = new BackendMessages()
    let dataRows = 0
    let ready = 0
    const readyAgain = new Promise<void>((resolve, reject) => {
      ws.on('error', reject)
      ws.on('message', (data) => {
        for (const m of parser.push(data as Buffer)) {
          if (m.type === 'D') dataRows++
          if (m.type === 'E') reject(new Error('ErrorResponse from the server'))
          if (m.type === 'Z' && ++ready === 1) {
            ws.send(
              queryMessage(`select repeat('x', ${rowBytes}) from generate_series(1, ${rows})`),
            )
            ws.pause() // this client stops reading
          }
          if (m.type === 'Z' && ready === 2) resolve()
        }
      })
    })
    ws.on('open', () => ws.send(startupMessage(app)))
    try {
      let state = ''
      // Polled: how soon the buffers fill depends on the machine's load, not on the proxy.
      const until = Date.now() + 30_000
      while (state !== 'active/ClientWrite' && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 50))
        state = await backendState(app)
      }
      // The backend is blocked writing to the proxy: the proxy is not buffering the result.
      expect(state).toBe('active/ClientWrite')
      expect(dataRows).toBeLessThan(rows)

      ws.resume()
      await within(30_000, 'rest of the result', readyAgain)
      expect(dataRows).toBe(rows)
    } finally {
      ws.terminate()
    }
  }, 90_000)
})
