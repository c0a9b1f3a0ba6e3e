import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { WebSocket } from 'ws'

/** The real local PostgreSQL the tests run against (trust auth). */
export const PG_URL = 'postgres://postgres@127.0.0.1:5432/test'

/** A table name no earlier or concurrent run uses. */
export function uniqueTable(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`
}

/** Runs `sql` on a direct node-postgres connection (not through the proxy). */
export async function direct<R extends pg.QueryResultRow = pg.QueryResultRow>(
  sql: string,
  params: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client({ connectionString: PG_URL })
  await client.connect()
  try {
    return (await client.query<R>(sql, params)).rows
  } finally {
    await client.end()
  }
}

/** Rejects with `label` if `promise` takes longer than `ms`. */
export async function within<T>(ms: number, label: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label}: no answer within ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** What a raw WebSocket client saw before the proxy closed it. */
export interface RawOutcome {
  messages: Buffer[]
  code: number
  reason: string
}

/** Opens a WebSocket to `url`, optionally sends `send`, and waits for the close. */
export function rawSession(url: string, send?: Buffer): Promise<RawOutcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url)
    const messages: Buffer[] = []
    ws.on('open', () => send && ws.send(send))
    ws.on('message', (data) => messages.push(Buffer.from(data as Buffer)))
    ws.on('error', reject)
    ws.on('close', (code, reason) => resolve({ messages, code, reason: reason.toString() }))
  })
}

/** A Postgres StartupMessage for user postgres, database test. */
export function startupMessage(applicationName = 'neon-proxy-test'): Buffer {
  const params = Buffer.from(
    `user\0postgres\0database\0test\0application_name\0${applicationName}\0\0`,
  )
  const header = Buffer.alloc(8)
  header.writeInt32BE(params.length + 8, 0)
  header.writeInt32BE(196608, 4)
  return Buffer.concat([header, params])
}

/** A Postgres simple Query message. */
export function queryMessage(sql: string): Buffer {
  const text = Buffer.from(`${sql}\0`)
  const header = Buffer.alloc(5)
  header.write('Q', 0, 'latin1')
  header.writeInt32BE(text.length + 4, 1)
  return Buffer.concat([header, text])
}

/** Splits a stream of backend messages and reports each message's type byte and size. */
export class BackendMessages {
  private pending = Buffer.alloc(0)

  /** Feeds bytes; returns the complete messages they finish. */
  push(chunk: Buffer): { type: string; length: number }[] {
    this.pending = Buffer.concat([this.pending, chunk])
    const out: { type: string; length: number }[] = []
    while (this.pending.length >= 5) {
      const length = this.pending.readInt32BE(1)
      if (this.pending.length < length + 1) break
      out.push({ type: String.fromCharCode(this.pending[0] ?? 0), length })
      this.pending = this.pending.subarray(length + 1)
    }
    return out
  }
}
