import type {
  EventsResponse as EdgeEventsResponse,
  RecommendationRequest as EdgeRequest,
  RecommendationResponse as EdgeResponse,
  TrackedEvent as EdgeEvent,
} from '@recsys/shared'
import type { z } from 'zod'
import { describe, expectTypeOf, it } from 'vitest'
import type {
  EventsResponse,
  RecommendationRequest,
  RecommendationResponse,
  TrackedEvent,
} from '../src/index.js'

/**
 * The client writes the edge's shapes out by hand (the package has no dependency). Checked against the edge's own
 * zod contracts when the suite is typechecked (`tsc -b` in `npm test`): every answer the edge gives reads as the
 * client's type, and every request the client can build is one the edge's contract accepts.
 */
type Input<T> = T extends z.ZodType ? z.input<T> : never

describe('the client types against the edge contracts', () => {
  it('reads every answer the edge gives', () => {
    expectTypeOf<EdgeResponse>().toMatchTypeOf<RecommendationResponse>()
    expectTypeOf<EdgeEventsResponse>().toMatchTypeOf<EventsResponse>()
  })

  it('builds only requests the edge accepts', () => {
    expectTypeOf<RecommendationRequest>().toMatchTypeOf<
      Input<typeof import('@recsys/shared').RecommendationRequest>
    >()
    expectTypeOf<TrackedEvent>().toMatchTypeOf<
      Input<typeof import('@recsys/shared').TrackedEvent>
    >()
    expectTypeOf<TrackedEvent>().toMatchTypeOf<EdgeEvent>()
    expectTypeOf<EdgeRequest['limit']>().toEqualTypeOf<number>()
  })
})
