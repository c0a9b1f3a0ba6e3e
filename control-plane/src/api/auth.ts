import type { MiddlewareHandler } from 'hono'
import type { Actor } from '../audit/write'
import { authenticate } from '../operators/service'
import type { ApiEnv } from './context'
import { fail } from './errors'

/** What a route needs the caller to be allowed to do. */
export type Capability =
  | 'read'
  | 'catalog.write'
  | 'artifact.write'
  | 'release.publish'
  | 'release.rollback'
  | 'pipeline.run'
  | 'kill_switch.write'
  | 'tombstone.write'
  | 'tenant.write'
  | 'api_key.write'
  | 'operator.write'

/**
 * Who may do what (docs/control-plane.md#roles). Viewers read; operators manage catalog, artifacts and releases; SREs
 * flip kill switches, take items down and roll back; admins do everything, including tenants, keys and operators.
 */
export const ROLE_CAPABILITIES: Record<Actor['role'], readonly Capability[]> = {
  viewer: ['read'],
  operator: [
    'read',
    'catalog.write',
    'artifact.write',
    'release.publish',
    'release.rollback',
    'pipeline.run',
    'tombstone.write',
  ],
  sre: ['read', 'release.rollback', 'kill_switch.write', 'tombstone.write'],
  admin: [
    'read',
    'catalog.write',
    'artifact.write',
    'release.publish',
    'release.rollback',
    'pipeline.run',
    'kill_switch.write',
    'tombstone.write',
    'tenant.write',
    'api_key.write',
    'operator.write',
  ],
}

export const can = (role: Actor['role'], cap: Capability) => ROLE_CAPABILITIES[role].includes(cap)

/** Bearer token → operator (SHA-256 lookup). Sets `actor`. */
export const bearerAuth = (): MiddlewareHandler<ApiEnv> =>
  async function bearerAuth(c, next) {
    const header = c.req.header('authorization') ?? ''
    const m = /^Bearer\s+(\S+)$/i.exec(header)
    if (!m)
      return fail(c, 'UNAUTHORIZED', 'send an operator token as "Authorization: Bearer <token>"')
    const actor = await authenticate(c.var.services.db, m[1]!)
    if (!actor) return fail(c, 'UNAUTHORIZED', 'unknown, disabled or expired operator token')
    c.set('actor', actor)
    await next()
  }

/** Refuses the request with FORBIDDEN unless the actor's role has the capability. */
export const requires = (cap: Capability): MiddlewareHandler<ApiEnv> =>
  async function requires(c, next) {
    const actor = c.get('actor')
    if (!can(actor.role, cap))
      return fail(c, 'FORBIDDEN', `role ${actor.role} may not ${cap} (operator ${actor.id})`)
    await next()
  }
