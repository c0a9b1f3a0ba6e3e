import { logKeys } from '@recsys/shared'
import type { LogClaims } from '../adapters/log-claims/interface'
import type { LogMessage, LogRecord } from '../adapters/decision-log/message'

/** R2 key of a log object: `<tenant>/<yyyy-mm-dd>/<hh>/<kind>-<id>.ndjson` (UTC hour of `at`). */
export const logObjectKey = logKeys.object

/** One R2 object: the records of one message (events, deletions) or of a batch (decisions) for one tenant, kind and hour. */
interface LogObject {
  key: string
  records: LogRecord[]
  /** Records that arrived serialized (DecisionLines), written as they are. */
  lines: string[]
  lineCount: number
  msgs: Message<LogMessage>[]
}

/**
 * Queue consumer: writes each message's records as NDJSON objects in R2, one per tenant, kind and UTC hour, exactly
 * once per accepted event.
 * - Object keys are a function of the message id (stable across redeliveries), so a retried or redelivered message
 *   overwrites its own objects with the same bytes instead of adding copies.
 * - An event can reach the queue twice in different messages (a client retried a call that failed after queueing).
 *   Before writing, each event is claimed for its object in Redis (SET NX, value = object key, TTL
 *   `USER_STATE.logClaimTtlS`); an event another object holds is dropped. The claim survives failed writes, so
 *   the retry of the same message writes the same object with the same events.
 * - A message is acknowledged only when all its objects are written; otherwise it is retried with backoff. Claims
 *   unreachable: the messages with events are retried, nothing is written without them.
 * - Decision records need no exactly-once (readers de-duplicate by `slate_id`): they are grouped across the batch,
 *   one object per tenant and hour named by the batch's message ids, as one write costs the same whatever its size
 *   (in the local R2, a write per message stalled the edge's requests for 150–300 ms under load).
 */
export async function consumeLogBatch(
  batch: MessageBatch<LogMessage>,
  bucket: R2Bucket,
  claims: LogClaims,
): Promise<{ written: number; duplicates: number }> {
  // Read once: the runtime may hand out new message wrappers on each access.
  const messages = batch.messages
  const objects: LogObject[] = []
  const decisions = new Map<string, LogObject & { tenant: string; at: string }>()
  const decisionGroup = (tenant: string, at: string, msg: Message<LogMessage>) => {
    const group = logKeys.hour(tenant, at)
    let d = decisions.get(group)
    if (!d) decisions.set(group, (d = { ...newObject(''), tenant, at }))
    if (!d.msgs.includes(msg)) d.msgs.push(msg)
    return d
  }
  for (const msg of messages) {
    const body = msg.body
    if (body.decisions) {
      const d = decisionGroup(body.decisions.tenant, body.decisions.at, msg)
      d.lines.push(body.decisions.lines)
      d.lineCount += body.decisions.n
    }
    if (!body.records?.length) continue
    const id = await shortHash(msg.id)
    const byKey = new Map<string, LogObject>()
    for (const rec of body.records) {
      if (rec.kind === 'decision') {
        decisionGroup(rec.tenant, rec.at, msg).records.push(rec)
        continue
      }
      const key = logKeys.object(rec.tenant, rec.kind, rec.at, id)
      let o = byKey.get(key)
      if (!o) byKey.set(key, (o = { ...newObject(key), msgs: [msg] }))
      o.records.push(rec)
    }
    objects.push(...byKey.values())
  }
  for (const d of decisions.values()) {
    const id = await shortHash(
      d.msgs
        .map((m) => m.id)
        .sort()
        .join(','),
    )
    d.key = logKeys.object(d.tenant, 'decision', d.at, id)
    objects.push(d)
  }

  const failed = new Set<Message<LogMessage>>()
  const entries = objects.flatMap((o) =>
    o.records.flatMap((r) =>
      r.kind === 'event' ? [{ tenant: r.tenant, eventId: r.event_id, objectKey: o.key }] : [],
    ),
  )
  let owners: string[] | undefined
  try {
    owners = await claims.claim(entries)
  } catch (e) {
    console.error(JSON.stringify({ msg: 'log claims unreachable, retrying', error: String(e) }))
  }
  let duplicates = 0
  let next = 0
  const toWrite: LogObject[] = []
  for (const o of objects) {
    const hasEvents = o.records.some((r) => r.kind === 'event')
    if (hasEvents && !owners) {
      for (const m of o.msgs) failed.add(m)
      continue
    }
    const kept: LogRecord[] = []
    const ids = new Set<string>()
    for (const r of o.records) {
      if (r.kind !== 'event') {
        kept.push(r)
        continue
      }
      const owner = owners![next++]
      // Held by another object, or twice in this one: one copy is enough.
      if (owner !== o.key || ids.has(r.event_id)) duplicates++
      else {
        ids.add(r.event_id)
        kept.push(r)
      }
    }
    if (kept.length > 0 || o.lineCount > 0) toWrite.push({ ...o, records: kept })
  }

  let written = 0
  await Promise.all(
    toWrite.map(async (o) => {
      if (o.msgs.some((m) => failed.has(m))) return
      const body = [...o.lines, ...o.records.map((r) => JSON.stringify(r))].join('\n') + '\n'
      try {
        await bucket.put(o.key, body, { httpMetadata: { contentType: 'application/x-ndjson' } })
        written += o.records.length + o.lineCount
      } catch (e) {
        console.error(
          JSON.stringify({ msg: 'log write failed, retrying', key: o.key, error: String(e) }),
        )
        for (const m of o.msgs) failed.add(m)
      }
    }),
  )
  for (const m of messages) {
    if (failed.has(m)) m.retry({ delaySeconds: Math.min(60, 2 ** Math.max(0, m.attempts - 1)) })
    else m.ack()
  }
  return { written, duplicates }
}

const newObject = (key: string): LogObject => ({
  key,
  records: [],
  lines: [],
  lineCount: 0,
  msgs: [],
})

async function shortHash(s: string): Promise<string> {
  const d = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s))
  return [...new Uint8Array(d).slice(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join('')
}
