import type { LogMessage } from '../adapters/decision-log/message'

/** R2 key of one batch of log records: `<tenant>/<yyyy-mm-dd>/<hh>/<kind>-<batch>.ndjson` (UTC). */
export function logObjectKey(tenant: string, kind: string, at: string, batchId: string): string {
  const d = new Date(at)
  const valid = Number.isFinite(d.getTime()) ? d : new Date(0)
  const iso = valid.toISOString()
  return `${tenant}/${iso.slice(0, 10)}/${iso.slice(11, 13)}/${kind}-${batchId}.ndjson`
}

/**
 * Queue consumer: groups a batch by tenant, kind, date and hour and writes one NDJSON object per group.
 * A group whose write fails is retried by the queue; the others are acknowledged. The object name is derived
 * from the message ids, so a retried group overwrites its own object rather than adding another.
 */
export async function consumeLogBatch(
  batch: MessageBatch<LogMessage>,
  bucket: R2Bucket,
): Promise<void> {
  const groups = new Map<string, Message<LogMessage>[]>()
  for (const msg of batch.messages) {
    const body = msg.body
    const key = `${body.tenant}\u0000${body.kind}\u0000${body.at.slice(0, 13)}`
    const g = groups.get(key)
    if (g) g.push(msg)
    else groups.set(key, [msg])
  }
  await Promise.all(
    [...groups.values()].map(async (msgs) => {
      const first = msgs[0]!.body
      const ids = msgs.map((m) => m.id).sort()
      const batchId = await shortHash(ids.join(','))
      const key = logObjectKey(first.tenant, first.kind, first.at, batchId)
      const body = msgs.map((m) => JSON.stringify(m.body)).join('\n') + '\n'
      try {
        await bucket.put(key, body, { httpMetadata: { contentType: 'application/x-ndjson' } })
        for (const m of msgs) m.ack()
      } catch (e) {
        console.error(JSON.stringify({ msg: 'log write failed, retrying', key, error: String(e) }))
        for (const m of msgs) m.retry({ delaySeconds: 1 })
      }
    }),
  )
}

async function shortHash(s: string): Promise<string> {
  const d = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s))
  return [...new Uint8Array(d).slice(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join('')
}
