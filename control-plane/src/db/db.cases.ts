import { and, eq, sql } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { migrate, type DbHandle } from './client'
import {
  apiKeys,
  artifacts,
  artifactVersions,
  auditLog,
  killSwitches,
  operators,
  releasePointerHistory,
  releasePointers,
  releases,
  tenants,
} from './schema/index'

/** The cases every database driver must pass (PGlite, node-postgres, Neon serverless). */
export function dbCases(name: string, open: () => Promise<DbHandle>) {
  describe(`database (${name})`, () => {
    let h: DbHandle
    beforeAll(async () => {
      h = await open()
      await migrate(h)
      return () => h.close()
    })
    const uid = () => Math.random().toString(36).slice(2, 10)

    it('migrations are idempotent and create every table', async () => {
      await migrate(h)
      const rows = await h.db.execute<{ table_name: string }>(
        sql`select table_name from information_schema.tables where table_schema = 'public'`,
      )
      const names = (rows as unknown as { rows?: { table_name: string }[] }).rows ?? (rows as never)
      const tables = new Set((names as { table_name: string }[]).map((r) => r.table_name))
      for (const t of [
        'tenants',
        'api_keys',
        'artifact_versions',
        'release_pointers',
        'audit_log',
        'kill_switches',
      ])
        expect(tables).toContain(t)
    })

    it('an API key needs an existing tenant, and its hash is unique', async () => {
      const t = `t-${uid()}`
      await expect(
        h.db.insert(apiKeys).values({
          id: uid(),
          tenant_id: t,
          key_hash: uid(),
          prefix: 'rk_',
          permissions: [],
          created_by: 'x',
        }),
      ).rejects.toThrow()
      await h.db.insert(tenants).values({ id: t, name: t })
      const hash = `h-${uid()}`
      await h.db.insert(apiKeys).values({
        id: uid(),
        tenant_id: t,
        key_hash: hash,
        prefix: 'rk_',
        permissions: ['debug'],
        created_by: 'x',
      })
      await expect(
        h.db.insert(apiKeys).values({
          id: uid(),
          tenant_id: t,
          key_hash: hash,
          prefix: 'rk_',
          permissions: [],
          created_by: 'x',
        }),
      ).rejects.toThrow()
      const [row] = await h.db.select().from(apiKeys).where(eq(apiKeys.key_hash, hash))
      expect(row?.permissions).toEqual(['debug'])
    })

    it('artifact versions are content-addressed: the same sha256 twice is refused, another is a new version', async () => {
      const t = `t-${uid()}`
      await h.db.insert(tenants).values({ id: t, name: t })
      const [a] = await h.db
        .insert(artifacts)
        .values({ tenant_id: t, kind: 'slates', name: 'home_feed' })
        .returning()
      const v = { artifact_id: a!.id, size_bytes: 10, storage_key: 'k', created_by: 'op' }
      await h.db.insert(artifactVersions).values({ ...v, sha256: 'aa' })
      await expect(h.db.insert(artifactVersions).values({ ...v, sha256: 'aa' })).rejects.toThrow()
      await h.db.insert(artifactVersions).values({ ...v, sha256: 'bb', metadata: { rows: 3 } })
      const rows = await h.db
        .select()
        .from(artifactVersions)
        .where(eq(artifactVersions.artifact_id, a!.id))
      expect(rows.map((r) => r.sha256).sort()).toEqual(['aa', 'bb'])
      expect(rows.find((r) => r.sha256 === 'bb')?.metadata).toEqual({ rows: 3 })
      await expect(
        h.db.insert(artifacts).values({ tenant_id: t, kind: 'slates', name: 'home_feed' }),
      ).rejects.toThrow()
    })

    it('enums refuse unknown roles and artifact kinds', async () => {
      await expect(
        h.db
          .insert(operators)
          .values({ id: uid(), name: 'x', role: 'root' as never, token_hash: uid() }),
      ).rejects.toThrow()
      await expect(
        h.db
          .insert(artifacts)
          .values({ tenant_id: 'nope', kind: 'spreadsheet' as never, name: 'x' }),
      ).rejects.toThrow()
    })

    it('flipping a pointer is one interactive transaction: an error inside leaves the old release serving', async () => {
      const t = `t-${uid()}`
      await h.db.insert(tenants).values({ id: t, name: t })
      await h.db.insert(releases).values([
        { id: `${t}-r1`, tenant_id: t, manifest: { n: 1 }, created_by: 'op' },
        { id: `${t}-r2`, tenant_id: t, manifest: { n: 2 }, created_by: 'op' },
      ])
      await h.db.insert(releasePointers).values({ tenant_id: t, release_id: `${t}-r1` })
      const flip = (to: string, fail: boolean) =>
        h.db.transaction(async (tx) => {
          const [cur] = await tx
            .select()
            .from(releasePointers)
            .where(eq(releasePointers.tenant_id, t))
            .for('update')
          await tx
            .update(releasePointers)
            .set({ release_id: to, updated_at: new Date() })
            .where(eq(releasePointers.tenant_id, t))
          await tx.insert(releasePointerHistory).values({
            tenant_id: t,
            from_release: cur!.release_id,
            to_release: to,
            action: 'publish',
            actor: 'op',
            reason: 'test',
          })
          // Reads inside the transaction see its own writes.
          const [mid] = await tx
            .select()
            .from(releasePointers)
            .where(eq(releasePointers.tenant_id, t))
          expect(mid!.release_id).toBe(to)
          if (fail) throw new Error('crash after the flip, before commit')
        })
      await expect(flip(`${t}-r2`, true)).rejects.toThrow('crash')
      const [after] = await h.db
        .select()
        .from(releasePointers)
        .where(eq(releasePointers.tenant_id, t))
      expect(after!.release_id).toBe(`${t}-r1`)
      expect(
        await h.db
          .select()
          .from(releasePointerHistory)
          .where(eq(releasePointerHistory.tenant_id, t)),
      ).toHaveLength(0)
      await flip(`${t}-r2`, false)
      const [now] = await h.db
        .select()
        .from(releasePointers)
        .where(eq(releasePointers.tenant_id, t))
      expect(now!.release_id).toBe(`${t}-r2`)
      // A pointer cannot name a release that does not exist.
      await expect(
        h.db
          .update(releasePointers)
          .set({ release_id: 'missing' })
          .where(eq(releasePointers.tenant_id, t)),
      ).rejects.toThrow()
    })

    it('the audit log keeps before and after as JSON; kill switches are one row per name', async () => {
      const action = `test.${uid()}`
      await h.db.insert(auditLog).values({
        actor: 'alice',
        role: 'sre',
        action,
        target: 'edge.force_tier',
        reason: 'incident 42',
        before: null,
        after: { engaged: true, value: 'global_popular' },
      })
      const [row] = await h.db.select().from(auditLog).where(eq(auditLog.action, action))
      expect(row).toMatchObject({
        actor: 'alice',
        role: 'sre',
        after: { engaged: true, value: 'global_popular' },
      })
      expect(row!.at).toBeInstanceOf(Date)

      const name = `tenant:t-${uid()}:edge.scorer`
      await h.db.insert(killSwitches).values({ name, engaged: true, reason: 'x', actor: 'alice' })
      await expect(
        h.db.insert(killSwitches).values({ name, engaged: false, reason: 'y', actor: 'bob' }),
      ).rejects.toThrow()
      await h.db
        .update(killSwitches)
        .set({ engaged: false })
        .where(and(eq(killSwitches.name, name)))
      const [ks] = await h.db.select().from(killSwitches).where(eq(killSwitches.name, name))
      expect(ks!.engaged).toBe(false)
    })
  })
}
