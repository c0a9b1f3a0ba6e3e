/** Hono variables of the scorer's app. */
export interface AppEnv {
  Variables: { requestId: string }
}
