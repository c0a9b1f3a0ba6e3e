import type { MiddlewareHandler } from 'hono'
import { KvEdgeStore } from '../adapters/edge-store/kv'
import { QueueLogSink } from '../adapters/decision-log/queue'
import { UpstashRequestState } from '../adapters/request-state/upstash'
import { UpstashUserState } from '../adapters/user-state/upstash'
import type { UserStateWriter } from '../adapters/user-state/interface'
import { parseConfig, type EdgeConfig, type Env } from '../env'
import type { EdgeStore } from '../adapters/edge-store/interface'
import type { RequestStateReader } from '../adapters/request-state/interface'
import { breakerFor, type CircuitBreaker } from '../adapters/scorer/circuit-breaker'
import { HttpScorerClient } from '../adapters/scorer/http'
import type { ScorerClient } from '../adapters/scorer/interface'
import type { EdgeModelSource } from '../adapters/edge-model/store'

/** The configured regional scorer: its client, this isolate's breaker for it, and the deadline margin. */
export interface ScorerService {
  client: ScorerClient
  breaker: CircuitBreaker
  marginMs: number
}

/** Every service a handler may use, built from the bindings. Handlers never import a store. */
export interface Services {
  config: EdgeConfig
  store: EdgeStore
  state: RequestStateReader
  log: QueueLogSink
  /** Writes of real-time user state (events, consent, deletion). */
  userState: UserStateWriter
  /** Absent when no SCORER_URL is configured: the `ranked` tier is then skipped. */
  scorer?: ScorerService
  /** The artifact bucket (R2), where edge models are read from. */
  artifacts: EdgeModelSource
}

// The env object is stable per isolate; build services once for it.
const built = new WeakMap<object, Services>()

export function buildServices(env: Env): Services {
  let s = built.get(env)
  if (!s) {
    const config = parseConfig(env)
    s = {
      config,
      store: new KvEdgeStore(env.EDGE_KV),
      state: new UpstashRequestState({
        url: config.UPSTASH_REDIS_REST_URL,
        token: config.UPSTASH_REDIS_REST_TOKEN,
        timeoutMs: config.USER_STATE_TIMEOUT_MS,
      }),
      log: new QueueLogSink(env.LOG_QUEUE, config.DECISION_LOG_FLUSH_MS),
      userState: new UpstashUserState({
        url: config.UPSTASH_REDIS_REST_URL,
        token: config.UPSTASH_REDIS_REST_TOKEN,
      }),
      scorer: config.SCORER_URL
        ? {
            client: new HttpScorerClient(config.SCORER_URL, config.SCORER_TOKEN),
            breaker: breakerFor(config.SCORER_URL, {
              failures: config.SCORER_BREAKER_FAILURES,
              pauseMs: config.SCORER_BREAKER_PAUSE_MS,
            }),
            marginMs: config.SCORER_MARGIN_MS,
          }
        : undefined,
      artifacts: env.ARTIFACT_BUCKET,
    }
    built.set(env, s)
  }
  return s
}

/** Puts the services on `c.var.services`. */
export const init = (): MiddlewareHandler<{ Bindings: Env; Variables: { services: Services } }> =>
  async function init(c, next) {
    c.set('services', buildServices(c.env))
    await next()
  }
