import { Redis } from '@upstash/redis/cloudflare'
import { redisKeys, USER_STATE } from '@recsys/shared'
import type { LogClaims } from './interface'

/** `SET t:<tenant>:logged:<event_id> <object key> NX GET EX …` per event, in one pipeline. */
export class UpstashLogClaims implements LogClaims {
  private readonly redis: Redis

  constructor(opts: { url: string; token: string; timeoutMs?: number }) {
    this.redis = new Redis({
      url: opts.url,
      token: opts.token,
      signal: () => AbortSignal.timeout(opts.timeoutMs ?? 10_000),
      // SET NX GET answers the same when repeated (the claim's value never changes), so retries are safe.
      retry: { retries: 2 },
      automaticDeserialization: false,
      responseEncoding: false,
      enableTelemetry: false,
    })
  }

  async claim(
    entries: ReadonlyArray<{ tenant: string; eventId: string; objectKey: string }>,
  ): Promise<string[]> {
    if (entries.length === 0) return []
    const p = this.redis.pipeline()
    for (const e of entries)
      p.set(redisKeys.logClaim(e.tenant, e.eventId), e.objectKey, {
        nx: true,
        get: true,
        ex: USER_STATE.logClaimTtlS,
      })
    const out = await p.exec()
    return entries.map((e, i) => (out[i] as string | null) ?? e.objectKey)
  }
}
