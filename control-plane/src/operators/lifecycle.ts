import { err, ok, type Result } from '@recsys/shared'
import { and, eq } from 'drizzle-orm'
import { writeAudit, type Actor } from '../audit/write'
import type { Database } from '../db/client'
import { operators } from '../db/schema/index'
import { newToken, tokenHash, type OperatorRow } from './service'

/** Why a disable or rotation was refused, with the service code the API maps (docs/architecture.md#error-envelope). */
export interface OperatorChangeError {
  code: 'NOT_FOUND' | 'CONFLICT'
  message: string
}

type PublicOperator = Omit<OperatorRow, 'token_hash'>
const publicRow = ({ token_hash: _, ...row }: OperatorRow): PublicOperator => row

interface ChangeInput {
  id: string
  actor: Actor
  reason: string
  request_id?: string
}

/**
 * Disables an operator: its token is refused from the next request on (and no rotation brings it back). Refused
 * for the last admin still enabled, which would lock everyone out of operator changes. Audited.
 */
export async function disableOperator(
  db: Database,
  input: ChangeInput,
): Promise<Result<{ operator: PublicOperator }, OperatorChangeError>> {
  return db.transaction(async (tx) => {
    const [row] = await tx.select().from(operators).where(eq(operators.id, input.id)).for('update')
    if (!row) return err({ code: 'NOT_FOUND', message: `operator ${input.id} does not exist` })
    if (row.disabled)
      return err({ code: 'CONFLICT', message: `operator ${input.id} is already disabled` })
    if (row.role === 'admin') {
      const admins = await tx
        .select({ id: operators.id })
        .from(operators)
        .where(and(eq(operators.role, 'admin'), eq(operators.disabled, false)))
      if (admins.length <= 1)
        return err({
          code: 'CONFLICT',
          message: `operator ${input.id} is the last enabled admin: create another admin first`,
        })
    }
    const [after] = await tx
      .update(operators)
      .set({ disabled: true, updated_at: new Date() })
      .where(eq(operators.id, input.id))
      .returning()
    await writeAudit(tx, {
      actor: input.actor,
      action: 'operator.disable',
      target: input.id,
      reason: input.reason,
      before: { disabled: false },
      after: { disabled: true },
      request_id: input.request_id,
    })
    return ok({ operator: publicRow(after!) })
  })
}

/**
 * Gives an operator a new token (shown once) with a new expiry; the old token is refused from the next request
 * on. A disabled operator is not rotated (its new token would be refused anyway). Audited, never the token.
 */
export async function rotateOperatorToken(
  db: Database,
  input: ChangeInput & { expires_at: Date | null },
): Promise<Result<{ operator: PublicOperator; token: string }, OperatorChangeError>> {
  const token = newToken()
  return db.transaction(async (tx) => {
    const [row] = await tx.select().from(operators).where(eq(operators.id, input.id)).for('update')
    if (!row) return err({ code: 'NOT_FOUND', message: `operator ${input.id} does not exist` })
    if (row.disabled)
      return err({
        code: 'CONFLICT',
        message: `operator ${input.id} is disabled: nothing to rotate`,
      })
    const [after] = await tx
      .update(operators)
      .set({ token_hash: tokenHash(token), expires_at: input.expires_at, updated_at: new Date() })
      .where(eq(operators.id, input.id))
      .returning()
    await writeAudit(tx, {
      actor: input.actor,
      action: 'operator.rotate',
      target: input.id,
      reason: input.reason,
      before: { expires_at: row.expires_at },
      after: { expires_at: input.expires_at },
      request_id: input.request_id,
    })
    return ok({ operator: publicRow(after!), token })
  })
}
