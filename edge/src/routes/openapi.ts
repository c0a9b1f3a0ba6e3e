import { Hono } from 'hono'
import { openApiDocument } from '@recsys/shared'
import type { AppEnv } from '../app-env'

let doc: ReturnType<typeof openApiDocument> | undefined

/** `GET /v1/openapi.json`: generated from the zod contracts in shared/. */
export const openapi: Hono<AppEnv> = new Hono<AppEnv>().get('/', (c) =>
  c.json((doc ??= openApiDocument())),
)
