import { createHash, randomBytes } from 'node:crypto'
import { Id, err, ok, type Result } from '@recsys/shared'
import { asc, eq } from 'drizzle-orm'
import { writeAudit, type Actor } from '../audit/write'
import type { Database } from '../db/client'
import { operators } from '../db/schema/index'

export type Role = Actor['role']
export const ROLES: readonly Role[] = ['viewer', 'operator', 'sre', 'admin']

export const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex')
/** A new bearer token: a recognisable prefix and 32 random bytes. */
export const newToken = () => `rso_${randomBytes(32).toString('base64url')}`

export type OperatorRow = typeof operators.$inferSelect

/** How long a token made by create or rotate signs in, unless the request says otherwise: 90 days. */
export const DEFAULT_OPERATOR_TOKEN_TTL_MS = 90 * 24 * 3600 * 1000

/**
 * The operator a bearer token belongs to, unless unknown, disabled or expired. Read from the database on every
 * request, so a disable, a rotation or an expiry refuses the token from the next request on.
 */
export async function authenticate(
  db: Database,
  token: string,
  now: Date = new Date(),
): Promise<Actor | undefined> {
  const [row] = await db
    .select()
    .from(operators)
    .where(eq(operators.token_hash, tokenHash(token)))
  if (!row || row.disabled) return undefined
  if (row.expires_at !== null && row.expires_at.getTime() <= now.getTime()) return undefined
  return { id: row.id, role: row.role }
}

/** Creates an operator and returns its token (shown once; only its hash is kept). */
export async function createOperator(
  db: Database,
  input: {
    id: string
    name?: string
    role: Role
    actor: Actor
    reason: string
    token?: string
    /** When the token stops signing in; null: never (the bootstrap admin). */
    expires_at: Date | null
    request_id?: string
  },
): Promise<Result<{ operator: Omit<OperatorRow, 'token_hash'>; token: string }, string>> {
  if (!Id.safeParse(input.id).success) return err(`bad operator id "${input.id}"`)
  if (!ROLES.includes(input.role)) return err(`role must be one of ${ROLES.join(', ')}`)
  const token = input.token ?? newToken()
  return db.transaction(async (tx) => {
    const [exists] = await tx.select().from(operators).where(eq(operators.id, input.id))
    if (exists) return err(`operator ${input.id} exists`)
    const [row] = await tx
      .insert(operators)
      .values({
        id: input.id,
        name: input.name ?? input.id,
        role: input.role,
        token_hash: tokenHash(token),
        expires_at: input.expires_at,
      })
      .returning()
    const { token_hash: _, ...operator } = row!
    await writeAudit(tx, {
      actor: input.actor,
      action: 'operator.create',
      target: input.id,
      reason: input.reason,
      after: { id: input.id, role: input.role, expires_at: input.expires_at },
      request_id: input.request_id,
    })
    return ok({ operator, token })
  })
}

export async function listOperators(db: Database) {
  const rows = await db.select().from(operators).orderBy(asc(operators.id))
  return rows.map(({ token_hash: _, ...r }) => r)
}

/**
 * Makes sure an admin can log in: when no operator exists yet, creates `admin` with the given token (or a new
 * one). Returns the token when it created the admin, else undefined.
 * @note The bootstrap admin's token does not expire (it is how a fresh control plane is entered); rotate it or
 * disable it once named admins exist.
 */
export async function bootstrapAdmin(db: Database, token?: string): Promise<string | undefined> {
  const any = await db.select({ id: operators.id }).from(operators).limit(1)
  if (any.length > 0) {
    if (token && !(await authenticate(db, token)))
      throw new Error('RECSYS_ADMIN_TOKEN does not match any operator of this database')
    return undefined
  }
  const r = await createOperator(db, {
    id: 'admin',
    role: 'admin',
    token,
    expires_at: null,
    actor: { id: 'system', role: 'admin' },
    reason: 'bootstrap: first start of the control plane',
  })
  if (!r.ok) throw new Error(r.error)
  return r.value.token
}
