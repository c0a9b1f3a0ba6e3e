import type { ApiKeyRecord } from '@recsys/shared'
import type { Env } from './env'
import type { Services } from './middleware/init'

/** Hono environment of the edge app: bindings and per-request variables. */
export interface AppEnv {
  Bindings: Env
  Variables: { requestId: string; services: Services; apiKey: ApiKeyRecord }
}
