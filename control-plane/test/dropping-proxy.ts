import net from 'node:net'

/**
 * A TCP proxy in front of a real HTTP server that drops chosen requests mid-way: when a client chunk starts the
 * `n`-th request matching `match` and `drop(n)` says so, both sockets are destroyed after the request's head (and
 * whatever part of its body came with it) was read, before anything reaches the server: the client sees the other
 * side close, as with a dropped keep-alive connection or a restarted server.
 */
export async function startDroppingProxy(opts: {
  target: { host: string; port: number }
  match: string
  drop: (n: number) => boolean
}) {
  let seen = 0
  const sockets = new Set<net.Socket>()
  const server = net.createServer((client) => {
    const upstream = net.connect(opts.target)
    sockets.add(client).add(upstream)
    const close = () => {
      client.destroy()
      upstream.destroy()
    }
    client.on('close', () => sockets.delete(client))
    upstream.on('close', () => sockets.delete(upstream))
    client.on('error', close)
    upstream.on('error', close)
    upstream.on('close', close)
    client.on('data', (chunk: Buffer) => {
      if (chunk.includes(opts.match) && opts.drop(++seen)) return close()
      upstream.write(chunk)
    })
    upstream.pipe(client)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as net.AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    /** Requests matching `match` seen so far (dropped ones included). */
    get requests() {
      return seen
    },
    async close() {
      for (const s of sockets) s.destroy()
      await new Promise<void>((r) => server.close(() => r()))
    },
  }
}
