import { env } from 'cloudflare:workers'

/** Every record under a prefix of the log bucket (all NDJSON objects, parsed), with the object it came from. */
export async function readLog(prefix: string): Promise<Array<{ key: string; rec: any }>> {
  const out: Array<{ key: string; rec: any }> = []
  let cursor: string | undefined
  do {
    const page = await env.LOG_BUCKET.list({ prefix, cursor })
    for (const o of page.objects) {
      const text = await (await env.LOG_BUCKET.get(o.key))!.text()
      for (const line of text.split('\n'))
        if (line.trim()) out.push({ key: o.key, rec: JSON.parse(line) })
    }
    cursor = page.truncated ? page.cursor : undefined
  } while (cursor)
  return out
}

/**
 * Polls the log until `done` holds for what is under `prefix` (the queue consumer runs in batches); throws after
 * `timeoutMs`, a hang guard that is generous because the tests share two cores with other work.
 */
export async function waitForLog(
  prefix: string,
  done: (recs: any[]) => boolean,
  timeoutMs = 20_000,
): Promise<any[]> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const recs = (await readLog(prefix)).map((r) => r.rec)
    if (done(recs)) return recs
    if (Date.now() > until)
      throw new Error(
        `the log under ${prefix} did not reach the state waited for in ${timeoutMs} ms`,
      )
    await new Promise((r) => setTimeout(r, 100))
  }
}
