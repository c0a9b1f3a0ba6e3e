import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { HTTPException } from 'hono/http-exception'
import { BODY_LIMIT_BYTES } from '@recsys/shared'
import type { AppEnv } from './app-env'
import { ApiError, errorResponse } from './errors'
import { apiKeyAuth } from './middleware/auth'
import { init } from './middleware/init'
import { requestId } from './middleware/request-id'
import { health } from './routes/health'
import { internal } from './routes/internal'
import { openapi } from './routes/openapi'
import { events } from './routes/events'
import { recommendations } from './routes/recommendations'
import { users } from './routes/users'

/** The edge app: public routes first, then everything behind the tenant API key. */
export function createApp() {
  const app = new Hono<AppEnv>()
  app.use('*', requestId(), init())
  app.route('/v1/health', health)
  app.route('/v1/openapi.json', openapi)
  app.route('/internal', internal)

  app.use('/v1/*', apiKeyAuth())
  app.use(
    '/v1/*',
    bodyLimit({
      maxSize: BODY_LIMIT_BYTES,
      onError: (c) =>
        errorResponse(c, 'PAYLOAD_TOO_LARGE', `body larger than ${BODY_LIMIT_BYTES} bytes`),
    }),
  )
  app.route('/v1/recommendations', recommendations)
  app.route('/v1/events', events)
  app.route('/v1/users', users)

  app.notFound((c) =>
    errorResponse(c, 'NOT_FOUND', `no route ${c.req.method} ${new URL(c.req.url).pathname}`),
  )
  app.onError((e, c) => {
    if (e instanceof ApiError) return errorResponse(c, e.code, e.message)
    if (e instanceof HTTPException && e.status < 500)
      return errorResponse(c, 'BAD_REQUEST', e.message)
    console.error(
      JSON.stringify({
        msg: 'unhandled error',
        request_id: c.get('requestId'),
        error: String(e),
        stack: (e as Error).stack,
      }),
    )
    return errorResponse(c, 'INTERNAL', 'internal error')
  })
  return app
}
