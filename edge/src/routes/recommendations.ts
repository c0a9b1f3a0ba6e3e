import { Hono } from 'hono'
import { RecommendationQuery, RecommendationRequest } from '@recsys/shared'
import type { AppEnv } from '../app-env'
import { recommend } from '../funnel/recommend'
import { requirePermission } from '../middleware/permission'
import { parseJson, parseValue } from './parse'

/** `POST /v1/recommendations` and its query form `GET /v1/recommendations`; the key needs `recommend`. */
export const recommendations = new Hono<AppEnv>()
  .use(requirePermission('recommend'))
  .post('/', async (c) => {
    const body = await parseJson(c, RecommendationRequest)
    return c.json(await recommend(c, body))
  })
  .get('/', async (c) => {
    const q = parseValue(RecommendationQuery, c.req.query())
    const body = parseValue(RecommendationRequest, {
      request_id: q.request_id,
      surface: q.surface,
      subject: q.user_id !== undefined ? { user_id: q.user_id } : { anonymous_id: q.anonymous_id },
      context: {
        ...(q.item_id !== undefined && { item_id: q.item_id }),
        ...(q.country !== undefined && { country: q.country }),
      },
      privacy_mode: q.privacy_mode,
      limit: q.limit,
      debug: q.debug === 'true' || q.debug === '1',
    })
    return c.json(await recommend(c, body))
  })
