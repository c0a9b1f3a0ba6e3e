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
  /**
   * Local dev only (`1` or `true`): accepts the tracking secrets committed to this repository
   * ({@link PUBLISHED_TRACKING_SECRETS}). Never set in wrangler.toml, so no deployment has it.
   */
  LOCAL_DEV?: string
  /** How long a tracking token can be used in events after it was minted (seconds). */
  TRACKING_TOKEN_TTL_S?: string
  USER_STATE_TIMEOUT_MS?: string
  KILL_SWITCH_TTL_MS?: string
  MANIFEST_POINTER_TTL_MS?: string
  /**
   * Local stack only: enables /internal (KV and R2 writes for the control plane's local adapters). At least 16
   * characters; empty or unset leaves /internal closed.
   */
  EDGE_ADMIN_TOKEN?: string
  /** The regional scorer (`POST <url>/v1/rank`); without it the `ranked` tier is skipped. */
  SCORER_URL?: string
  /** Service token the scorer expects (`authorization: Bearer …`); a secret. */
  SCORER_TOKEN?: string
  /** Time kept back from the surface's deadline for what follows the scorer call (eligibility, rerank, tokens). */
  SCORER_MARGIN_MS?: string
  /** Consecutive scorer failures that open the circuit breaker. */
  SCORER_BREAKER_FAILURES?: string
  /** How long an open breaker waits before it lets one trial request through. */
  SCORER_BREAKER_PAUSE_MS?: string
  /** How long decision records gather in an isolate before one queue send carries them all. */
  DECISION_LOG_FLUSH_MS?: string
}

/**
 * Tracking secrets committed to this repository (the `.dev.vars.example` one, which the local stack also used, the
 * test suite's, the benchmarks' and the end-to-end stack's): anyone can mint valid tokens with them, so the edge
 * refuses them unless `LOCAL_DEV` is set.
 */
export const PUBLISHED_TRACKING_SECRETS: ReadonlySet<string> = new Set([
  'dev-tracking-secret-change-me',
  'test-tracking-secret',
  'bench-tracking-secret-0123456789',
  'e2e-tracking-secret-0123456789',
])

const ms = (def: number, max: number) => z.coerce.number().int().min(0).max(max).default(def)

/** The environment, parsed once at the boundary: a bad one fails fast with a message naming the variable. */
export const EdgeConfig = z
  .object({
    UPSTASH_REDIS_REST_URL: z.url(),
    UPSTASH_REDIS_REST_TOKEN: z.string().min(1),
    TRACKING_SECRET: z.string().min(16, 'TRACKING_SECRET must be at least 16 characters'),
    LOCAL_DEV: z.preprocess((v) => v === '1' || v === 'true', z.boolean()),
    // Default 6 h: impressions come within seconds, clicks within a visit; a token that old is a replay.
    TRACKING_TOKEN_TTL_S: z.coerce
      .number()
      .int()
      .min(60)
      .max(7 * 86_400)
      .default(6 * 3_600),
    USER_STATE_TIMEOUT_MS: ms(40, 5000),
    KILL_SWITCH_TTL_MS: ms(1000, 1000),
    MANIFEST_POINTER_TTL_MS: ms(1000, 60_000),
    // An empty string (a var left blank) means no scorer.
    SCORER_URL: z.preprocess((v) => (v === '' ? undefined : v), z.url().optional()),
    SCORER_TOKEN: z.string().default(''),
    SCORER_MARGIN_MS: ms(10, 1000),
    SCORER_BREAKER_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
    SCORER_BREAKER_PAUSE_MS: ms(5000, 600_000),
    DECISION_LOG_FLUSH_MS: ms(200, 10_000),
    // /internal writes every tenant's KV (API key records included): a token short enough to guess must not
    // open it. An empty string (a var left blank) means /internal stays closed.
    EDGE_ADMIN_TOKEN: z.preprocess(
      (v) => (v === '' ? undefined : v),
      z.string().min(16, 'EDGE_ADMIN_TOKEN must be at least 16 characters').optional(),
    ),
  })
  .superRefine((c, ctx) => {
    if (!c.LOCAL_DEV && PUBLISHED_TRACKING_SECRETS.has(c.TRACKING_SECRET))
      ctx.addIssue({
        code: 'custom',
        path: ['TRACKING_SECRET'],
        message:
          'TRACKING_SECRET is an example published in the repository (anyone can forge tokens with it): ' +
          'set a random one (openssl rand -base64 32), or LOCAL_DEV=1 on a local dev server',
      })
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
