import http from 'node:http'
import type net from 'node:net'

/**
 * A fault-injecting HTTP proxy in front of the real scorer, for the edge's fault tests (runs in Node, started by
 * the global setup). Each test uses its own lane, `<proxy>/<lane>`, as the Worker's SCORER_URL: a lane has its own
 * fault mode and request counter, and the edge keeps one circuit breaker per URL, so tests do not share state.
 *
 *   POST <proxy>/<lane>/v1/rank   forwarded to <upstream>/v1/rank (headers kept), with the lane's fault applied
 *   PUT  <proxy>/__lanes/<lane>   sets the lane's {@link Fault}
 *   GET  <proxy>/__lanes/<lane>   {requests, last: {body, headers}} of the lane
 */
export type Fault =
  | { mode: 'pass' }
  /** Answers after `ms` (the upstream's answer); gives up sooner when the client does. */
  | { mode: 'delay'; ms: number }
  /** Answers this status with an error body (and `x-scorer-scope: <scope>` when given). */
  | { mode: 'status'; status: number; scope?: string }
  /** 200 with a body that is not JSON. */
  | { mode: 'malformed' }
  /** The upstream's answer with every item's score rewritten to null or the string "NaN". */
  | { mode: 'nan'; as: 'null' | 'string' }
  /** Drops the connection without an answer. */
  | { mode: 'down' }
  /** Alternates: requests 1, 3, 5… pass, 2, 4, 6… get a 500. */
  | { mode: 'flapping' }

interface Lane {
  fault: Fault
  requests: number
  last?: { body: unknown; headers: Record<string, string> }
}

export interface ScorerProxy {
  url: string
  close(): Promise<void>
}

export async function startScorerProxy(opts: {
  port: number
  /** The real scorer; without one, `pass` answers 502. */
  upstream: string | undefined
}): Promise<ScorerProxy> {
  const lanes = new Map<string, Lane>()
  const lane = (id: string) => {
    let l = lanes.get(id)
    if (!l) lanes.set(id, (l = { fault: { mode: 'pass' }, requests: 0 }))
    return l
  }
  const sockets = new Set<net.Socket>()

  const server = http.createServer(async (req, res) => {
    const body = await read(req)
    const [, first, second] = (req.url ?? '').split('/')
    const json = (status: number, v: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(v))
    }
    if (first === '__lanes' && second) {
      const l = lane(second)
      if (req.method === 'PUT') {
        l.fault = JSON.parse(body) as Fault
        return json(200, { fault: l.fault })
      }
      return json(200, { requests: l.requests, last: l.last, fault: l.fault })
    }
    if (!first || req.method !== 'POST' || !req.url?.endsWith('/v1/rank'))
      return json(404, { error: 'not a lane' })
    const l = lane(first)
    l.requests++
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]),
    )
    l.last = { body: safeJson(body), headers }
    const f = l.fault
    if (f.mode === 'down') return req.socket.destroy()
    if (f.mode === 'status') {
      res.writeHead(f.status, {
        'content-type': 'application/json',
        ...(f.scope && { 'x-scorer-scope': f.scope }),
      })
      return res.end(JSON.stringify({ error: { code: 'INJECTED', message: 'injected' } }))
    }
    if (f.mode === 'malformed') {
      res.writeHead(200, { 'content-type': 'application/json' })
      return res.end('{"items": [ {"item_id": "i1", ')
    }
    if (f.mode === 'flapping' && l.requests % 2 === 0) return json(500, { error: 'flapping' })
    if (f.mode === 'delay') {
      // Ends early when the client gives up, so a long delay holds nothing open after the edge's timeout.
      await new Promise<void>((r) => {
        const t = setTimeout(r, f.ms)
        res.once('close', () => {
          clearTimeout(t)
          r()
        })
      })
      if (res.destroyed) return
    }
    if (!opts.upstream) return json(502, { error: 'no upstream scorer' })
    let up: Response
    try {
      up = await fetch(`${opts.upstream}/v1/rank`, {
        method: 'POST',
        headers: pick(headers, ['content-type', 'authorization', 'x-deadline-ms']),
        body,
      })
    } catch (e) {
      return json(502, { error: `upstream: ${String(e)}` })
    }
    let text = await up.text()
    if (f.mode === 'nan' && up.status === 200) {
      const doc = JSON.parse(text) as { items: Array<{ score: unknown }> }
      for (const it of doc.items) it.score = f.as === 'null' ? null : 'NaN'
      text = JSON.stringify(doc)
    }
    if (res.destroyed) return
    res.writeHead(up.status, { 'content-type': 'application/json' })
    res.end(text)
  })
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port, '127.0.0.1', resolve)
  })
  return {
    url: `http://127.0.0.1:${opts.port}`,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((r) => server.close(() => r()))
    },
  }
}

function read(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

const safeJson = (s: string): unknown => {
  try {
    return JSON.parse(s)
  } catch {
    return s
  }
}

const pick = (h: Record<string, string>, names: string[]) =>
  Object.fromEntries(names.filter((n) => h[n] !== undefined).map((n) => [n, h[n]!]))
