import type { Socket } from 'node:net'
import { WebSocket, type RawData } from 'ws'

/** Bytes handed to the WebSocket but not yet written out before reading from TCP pauses. */
const HIGH_WATER = 1024 * 1024
/** Reading from TCP resumes once the WebSocket backlog is down to this. */
const LOW_WATER = 256 * 1024

/** The bytes of a WebSocket message, whatever `binaryType` produced. */
export function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data
  if (Array.isArray(data)) return Buffer.concat(data)
  return Buffer.from(data)
}

/** A WebSocket close reason cut to the protocol's 123-byte limit. */
export function closeReason(text: string): string {
  let reason = text
  while (Buffer.byteLength(reason) > 123) reason = reason.slice(0, -1)
  return reason
}

/**
 * Pipes WebSocket messages into `tcp` and TCP bytes back as binary messages, with backpressure
 * both ways; when either side closes or fails, the other is closed too.
 */
export function bridge(ws: WebSocket, tcp: Socket): void {
  let backlog = 0
  let tcpError: (Error & { code?: string }) | undefined

  tcp.on('data', (chunk: Buffer) => {
    backlog += chunk.length
    ws.send(chunk, { binary: true }, () => {
      backlog -= chunk.length
      if (backlog <= LOW_WATER && tcp.isPaused()) tcp.resume()
    })
    if (backlog >= HIGH_WATER) tcp.pause()
  })
  ws.on('message', (data) => {
    if (tcp.writable && !tcp.write(toBuffer(data))) ws.pause()
  })
  tcp.on('drain', () => ws.resume())

  tcp.on('error', (err) => (tcpError = err))
  tcp.on('close', () => {
    if (ws.readyState !== WebSocket.OPEN) return
    if (tcpError)
      ws.close(1011, closeReason(`upstream error: ${tcpError.code ?? tcpError.message}`))
    else ws.close(1000, 'upstream closed')
  })
  ws.on('error', () => tcp.destroy())
  ws.on('close', () => tcp.destroySoon())
}
