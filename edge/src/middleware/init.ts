import type { MiddlewareHandler } from 'hono'
import { KvEdgeStore } from '../adapters/edge-store/kv'
import { QueueLogSink } from '../adapters/decision-log/queue'
import { UpstashRequestState } from '../adapters/request-state/upstash'
import { UpstashUserState } from '../adapters/user-state/upstash'
import type { UserStateWriter } from '../adapters/user-state/interface'
import { parseConfig, type EdgeConfig, type Env } from '../env'
import type { EdgeStore } from '../adapters/edge-store/interface'
import type { RequestStateReader } from '../adapters/request-state/interface'

/** Every service a handler may use, built from the bindings. Handlers never import a store. */
export interface Services {
  config: EdgeConfig
  store: EdgeStore
  state: RequestStateReader
  log: QueueLogSink
  /** Writes of real-time user state (events, consent, deletion). */
  userState: UserStateWriter
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
      log: new QueueLogSink(env.LOG_QUEUE),
      userState: new UpstashUserState({
        url: config.UPSTASH_REDIS_REST_URL,
        token: config.UPSTASH_REDIS_REST_TOKEN,
      }),
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
