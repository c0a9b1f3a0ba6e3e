import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Seen {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: string
}

/**
 * A real HTTP server on a loopback port that answers each request with the next of `replies` (the last one
 * repeats), and records what it was sent. A reply of `'hang'` never answers.
 */
export async function scriptedServer(
  replies: Array<
    { status: number; body?: unknown; raw?: string; headers?: Record<string, string> } | 'hang'
  >,
) {
  const seen: Seen[] = []
  const open = new Set<ServerResponse>()
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      seen.push({
        method: req.method!,
        url: req.url!,
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      })
      const r = replies[Math.min(seen.length - 1, replies.length - 1)]!
      if (r === 'hang') {
        open.add(res)
        return
      }
      const text = r.raw ?? (r.body === undefined ? '' : JSON.stringify(r.body))
      res.writeHead(r.status, {
        ...(r.raw === undefined && r.body !== undefined
          ? { 'content-type': 'application/json' }
          : {}),
        ...r.headers,
      })
      res.end(text)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    async close() {
      for (const res of open) res.destroy()
      server.closeAllConnections()
      await new Promise<void>((r) => server.close(() => r()))
    },
  }
}
