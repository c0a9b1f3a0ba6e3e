import { z } from 'zod'
import type { LogMessage } from './adapters/decision-log/message'

/** Bindings of the Worker (wrangler.toml) and its secrets (`.dev.vars` locally). */
export interface Env {
  EDGE_KV: KVNamespace
  LOG_BUCKET: R2Bucket
  /** Large release blobs (the edge model), content-addressed under `t/<tenant>/blobs/<sha256>`. */
  ARTIFACT_BUCKET: R2Bucket
  LOG_QUEUE: Queue<LogMessage>
  UPSTASH_REDIS_REST_URL: string
  UPSTASH_REDIS_REST_TOKEN: string
  TRACKING_SECRET: string
  USER_STATE_TIMEOUT_MS?: string
  KILL_SWITCH_TTL_MS?: string
  MANIFEST_POINTER_TTL_MS?: string
  /** Local stack only: enables /internal (KV and R2 writes for the control plane's local adapters). */
  EDGE_ADMIN_TOKEN?: string
}

const ms = (def: number, max: number) => z.coerce.number().int().min(0).max(max).default(def)

/** The environment, parsed once at the boundary: a bad one fails fast with a message naming the variable. */
export const EdgeConfig = z.object({
  UPSTASH_REDIS_REST_URL: z.url(),
  UPSTASH_REDIS_REST_TOKEN: z.string().min(1),
  TRACKING_SECRET: z.string().min(16, 'TRACKING_SECRET must be at least 16 characters'),
  USER_STATE_TIMEOUT_MS: ms(40, 5000),
  KILL_SWITCH_TTL_MS: ms(1000, 1000),
  MANIFEST_POINTER_TTL_MS: ms(1000, 60_000),
})
export type EdgeConfig = z.infer<typeof EdgeConfig>

export function parseConfig(env: Env): EdgeConfig {
  const r = EdgeConfig.safeParse(env)
  if (!r.success) {
    const detail = r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
    throw new Error(`edge misconfigured: ${detail}`)
  }
  return r.data
}
