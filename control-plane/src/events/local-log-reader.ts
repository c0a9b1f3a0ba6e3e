import { encodeObjectKey } from '../publish/edge-blobs'
import type { LogReader } from './log-reader'

/** The log bucket of the Worker that `npm start` (or `wrangler dev`) runs, through its /internal/log route. */
export class LocalLogReader implements LogReader {
  constructor(private readonly opts: { url: string; token: string }) {}

  private async fetch(path: string): Promise<Response> {
    const url = `${this.opts.url.replace(/\/+$/, '')}/internal/log${path}`
    const res = await fetch(url, { headers: { authorization: `Bearer ${this.opts.token}` } })
    if (!res.ok)
      throw new Error(
        `the local edge's log bucket answered ${res.status}: ${(await res.text()).slice(0, 200)}`,
      )
    return res
  }

  async list(prefix: string, cursor?: string) {
    const q = new URLSearchParams({ prefix, ...(cursor && { cursor }) })
    return (await (await this.fetch(`?${q}`)).json()) as {
      objects: Array<{ key: string; size: number }>
      cursor: string | null
    }
  }

  async get(key: string): Promise<Uint8Array> {
    return new Uint8Array(await (await this.fetch(`/${encodeObjectKey(key)}`)).arrayBuffer())
  }
}
