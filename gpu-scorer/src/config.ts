import { z } from 'zod'

/** The scorer's environment (port 8789: docs/architecture.md#ports), parsed at the boundary. */
export const ScorerEnv = z.object({
  SCORER_HOST: z.string().min(1).default('127.0.0.1'),
  SCORER_PORT: z.coerce.number().int().min(0).max(65535).default(8789),
  SCORER_DATA_DIR: z.string().min(1).default('.data/scorer'),
  SCORER_TOKEN: z.string({ error: 'SCORER_TOKEN is required' }).min(8, 'SCORER_TOKEN is too short'),
  /** Comma list; empty: every folder of the data dir with a current.json. */
  SCORER_TENANTS: z.string().default(''),
  SCORER_POLL_MS: z.coerce.number().int().min(50).default(1000),
  SCORER_MAX_BATCH: z.coerce.number().int().min(1).default(4096),
  SCORER_MAX_WAIT_MS: z.coerce.number().min(0).default(0),
  /** At most this many requests per batch; 1 turns batching across requests off (a baseline). */
  SCORER_MAX_BATCH_REQUESTS: z.coerce.number().int().min(1).optional(),
  SCORER_EXECUTION_PROVIDER: z.enum(['auto', 'cpu', 'cuda']).default('auto'),
  /**
   * Where inference runs: a worker thread per loaded model, the event loop's thread, or `auto`: measured per model
   * at load (the event loop when a 1000-row batch runs there in under 0.2 ms: `AUTO_THREAD_MIN_MS`).
   */
  SCORER_INFERENCE_THREAD: z.enum(['auto', 'worker', 'main']).default('auto'),
  SCORER_DEFAULT_DEADLINE_MS: z.coerce.number().int().min(1).default(100),
  /** Optional: kill switches (`source.<id>`) read from Upstash's REST API. */
  UPSTASH_REDIS_REST_URL: z.url().optional(),
  UPSTASH_REDIS_REST_TOKEN: z.string().optional(),
})
export type ScorerEnv = z.infer<typeof ScorerEnv>

export type ExecutionProviderChoice = ScorerEnv['SCORER_EXECUTION_PROVIDER']
export type InferenceThreadChoice = ScorerEnv['SCORER_INFERENCE_THREAD']

/** Parses the environment; the error lists every bad variable on one line each. */
export function parseEnv(
  env: Record<string, string | undefined>,
): { ok: true; value: ScorerEnv } | { ok: false; error: string } {
  const clean = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  )
  const r = ScorerEnv.safeParse(clean)
  if (r.success) return { ok: true, value: r.data }
  return {
    ok: false,
    error: r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'),
  }
}

/** The tenant list of SCORER_TENANTS, or undefined (discover from the data dir). */
export const tenantList = (s: string): string[] | undefined => {
  const list = s
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)
  return list.length ? list : undefined
}
