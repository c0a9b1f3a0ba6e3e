import type { LogMessage, LogRecord } from '../adapters/decision-log/message'

/** R2 key of one batch of log records: `<tenant>/<yyyy-mm-dd>/<hh>/<kind>-<batch>.ndjson` (UTC). */
export function logObjectKey(tenant: string, kind: string, at: string, batchId: string): string {
  const d = new Date(at)
  const valid = Number.isFinite(d.getTime()) ? d : new Date(0)
  const iso = valid.toISOString()
  return `${tenant}/${iso.slice(0, 10)}/${iso.slice(11, 13)}/${kind}-${batchId}.ndjson`
}

interface Group {
  records: LogRecord[]
  messages: Set<Message<LogMessage>>
}

/**
 * Queue consumer: groups the records of a batch by tenant, kind, date and hour and writes one NDJSON object per
 * group. The messages behind a group whose write failed are retried by the queue; the others are acknowledged.
 * @note At least once: a retried message whose records also went into a group that was written will be written
 * again under another object name. Readers de-duplicate (events by `event_id`, decisions by `slate_id`).
 */
export async function consumeLogBatch(
  batch: MessageBatch<LogMessage>,
  bucket: R2Bucket,
): Promise<void> {
  // Read once: the runtime may hand out new message wrappers on each access.
  const messages = batch.messages
  const groups = new Map<string, Group>()
  for (const msg of messages) {
    for (const rec of msg.body.records ?? []) {
      const key = `${rec.tenant}\u0000${rec.kind}\u0000${rec.at.slice(0, 13)}`
      let g = groups.get(key)
      if (!g) groups.set(key, (g = { records: [], messages: new Set() }))
      g.records.push(rec)
      g.messages.add(msg)
    }
  }
  const failed = new Set<Message<LogMessage>>()
  await Promise.all(
    [...groups.values()].map(async (g) => {
      const first = g.records[0]!
      const ids = [...g.messages].map((m) => m.id).sort()
      const key = logObjectKey(first.tenant, first.kind, first.at, await shortHash(ids.join(',')))
      const body = g.records.map((r) => JSON.stringify(r)).join('\n') + '\n'
      try {
        await bucket.put(key, body, { httpMetadata: { contentType: 'application/x-ndjson' } })
      } catch (e) {
        console.error(JSON.stringify({ msg: 'log write failed, retrying', key, error: String(e) }))
        for (const m of g.messages) failed.add(m)
      }
    }),
  )
  for (const m of messages) {
    if (failed.has(m)) m.retry({ delaySeconds: 1 })
    else m.ack()
  }
}

async function shortHash(s: string): Promise<string> {
  const d = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s))
  return [...new Uint8Array(d).slice(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join('')
}
