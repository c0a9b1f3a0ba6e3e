import { OpenAPIHono, createRoute } from '@hono/zod-openapi'
import { z } from 'zod'
import {
  engageKillSwitch,
  listKillSwitches,
  releaseKillSwitch,
  syncKillSwitches,
} from '../../kill-switches/service'
import { listTombstones, syncTombstones, tombstoneItem } from '../../tombstones/service'
import { requires } from '../auth'
import type { ApiEnv } from '../context'
import { fail } from '../errors'
import { body, errorResponses, json, Reason, security } from '../openapi-helpers'

const Any = z.record(z.string(), z.unknown())
const SwitchParam = z.object({
  name: z.string().describe('e.g. edge.personalization, or tenant:<id>:surface.home_feed'),
})

/** Kill switches and item tombstones: the SRE's levers (docs/control-plane.md#kill-switches-and-tombstones). */
export const safetyRoutes = new OpenAPIHono<ApiEnv>()
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/kill-switches',
      tags: ['kill switches'],
      summary: 'Every kill switch the control plane knows, engaged or released',
      security,
      middleware: [requires('read')] as const,
      responses: { 200: json(z.object({ switches: z.array(Any) }), 'Switches'), ...errorResponses },
    }),
    async (c) => c.json({ switches: await listKillSwitches(c.var.services) }, 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/kill-switches/{name}/engage',
      tags: ['kill switches'],
      summary:
        'Engage a switch (edges see it within 2 s). `redis: pending` means the push failed; retry.',
      security,
      middleware: [requires('kill_switch.write')] as const,
      request: {
        params: SwitchParam,
        body: body(z.object({ value: z.string().max(64).optional(), reason: Reason })),
      },
      responses: { 200: json(Any, 'Engaged'), ...errorResponses },
    }),
    async (c) => {
      const r = await engageKillSwitch(c.var.services, {
        name: c.req.valid('param').name,
        ...c.req.valid('json'),
        actor: c.var.actor,
        request_id: c.var.request_id,
      })
      if (!r.ok) return fail(c, r.error.code, r.error.message) as never
      return c.json(r.value, 200)
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/kill-switches/{name}/release',
      tags: ['kill switches'],
      summary: 'Release an engaged switch',
      security,
      middleware: [requires('kill_switch.write')] as const,
      request: { params: SwitchParam, body: body(z.object({ reason: Reason })) },
      responses: { 200: json(Any, 'Released'), ...errorResponses },
    }),
    async (c) => {
      const r = await releaseKillSwitch(c.var.services, {
        name: c.req.valid('param').name,
        ...c.req.valid('json'),
        actor: c.var.actor,
        request_id: c.var.request_id,
      })
      if (!r.ok) return fail(c, r.error.code, r.error.message) as never
      return c.json(r.value, 200)
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/kill-switches/sync',
      tags: ['kill switches'],
      summary:
        'Make Upstash match Postgres (after a pending push): kill switches, and every tombstone added to its set',
      security,
      middleware: [requires('kill_switch.write')] as const,
      responses: {
        200: json(
          z.object({
            set: z.array(z.string()),
            removed: z.array(z.string()),
            tombstones_pushed: z.number().describe('Tombstones that were missing from Redis'),
          }),
          'What changed in Redis',
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const r = await syncKillSwitches(c.var.services)
      if (!r.ok) return fail(c, r.error.code, r.error.message) as never
      const t = await syncTombstones(c.var.services)
      if (!t.ok) return fail(c, t.error.code, t.error.message) as never
      return c.json({ ...r.value, tombstones_pushed: t.value.pushed }, 200)
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/tenants/{tenant}/tombstones',
      tags: ['tombstones'],
      summary:
        'Take an item down everywhere now (edges within 2 s); the next release folds it into its denylist',
      security,
      middleware: [requires('tombstone.write')] as const,
      request: {
        params: z.object({ tenant: z.string() }),
        body: body(z.object({ item_id: z.string(), reason: Reason })),
      },
      responses: { 200: json(Any, 'Tombstoned'), ...errorResponses },
    }),
    async (c) => {
      const r = await tombstoneItem(c.var.services, {
        tenant: c.req.valid('param').tenant,
        ...c.req.valid('json'),
        actor: c.var.actor,
        request_id: c.var.request_id,
      })
      if (!r.ok) return fail(c, r.error.code, r.error.message) as never
      return c.json(r.value, 200)
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/tenants/{tenant}/tombstones',
      tags: ['tombstones'],
      summary: 'Tombstoned items, oldest first, with the release that folded each',
      security,
      middleware: [requires('read')] as const,
      request: { params: z.object({ tenant: z.string() }) },
      responses: {
        200: json(z.object({ tombstones: z.array(Any) }), 'Tombstones'),
        ...errorResponses,
      },
    }),
    async (c) =>
      c.json(
        { tombstones: await listTombstones(c.var.services, c.req.valid('param').tenant) },
        200,
      ),
  )
