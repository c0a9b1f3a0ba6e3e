import type { IncomingMessage } from 'node:http'
import { HttpError } from './http-error.js'

/**
 * Reads the whole request body, or rejects with a 413 HttpError once it exceeds `limit` bytes
 * (checked against Content-Length up front and against the bytes actually received). An oversized
 * body is drained, not buffered, and the socket is not destroyed, so the client reads the 413
 * instead of a connection reset.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit) {
    req.resume()
    return Promise.reject(tooLarge(limit))
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      if (size > limit) {
        req.off('data', onData)
        req.resume()
        reject(tooLarge(limit))
        return
      }
      chunks.push(chunk)
    }
    req.on('data', onData)
    req.once('end', () => resolve(Buffer.concat(chunks, size)))
    req.once('error', reject)
  })
}

function tooLarge(limit: number): HttpError {
  return new HttpError(413, `ERR request body exceeds the gateway's limit of ${limit} bytes`)
}
