import { chmod, mkdir, writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { serve } from '@hono/node-server'
import { Redis } from '@upstash/redis'
import { createOperatorApp } from './api/app'
import type { ControlPlaneServices } from './api/context'
import { createDb, migrate, redact, type DbHandle } from './db/client'
import { syncKillSwitches } from './kill-switches/service'
import { bootstrapAdmin } from './operators/service'
import { syncTombstones } from './tombstones/service'
import { CloudflareKvWriter } from './publish/cloudflare-kv'
import { CloudflareR2Writer } from './publish/cloudflare-r2'
import type { EdgeBlobWriter } from './publish/edge-blobs'
import type { EdgeStoreWriter } from './publish/edge-store'
import { LocalEdgeBlobWriter } from './publish/local-edge-blobs'
import { LocalEdgeStoreWriter } from './publish/local-edge-store'
import { LocalScorerStore } from './publish/scorer-store'
import { LocalBlobStore } from './registry/blob-store'
import type { ModelCheck } from './registry/gates'
import type { SecuritySettings } from './security-env'

export interface ControlPlaneOptions extends SecuritySettings {
  port?: number
  host?: string
  /** State directory (PGlite, blobs, scorer artifacts, the admin token file). Default `.data`. */
  dataDir?: string
  databaseUrl?: string
  redis: { url: string; token: string }
  /** The local edge's /internal routes (KV and R2), or Cloudflare's KV and R2 APIs. */
  edge:
    | { url: string; token: string }
    | {
        cloudflare: { accountId: string; namespaceId: string; r2Bucket: string; apiToken: string }
      }
  /** Token of the first admin (created when the database has no operator). Default: a new random one. */
  adminToken?: string
  /** How often Upstash is reconciled with Postgres' switches and tombstones (ms; 0 = never). Default 10 s. */
  reconcileMs?: number
  modelCheck?: ModelCheck
  log?: (line: Record<string, unknown>) => void
}

export interface ControlPlane {
  url: string
  db: DbHandle
  services: ControlPlaneServices
  /** The admin token, when this start created the admin (also written to `<dataDir>/operator-token`). */
  adminToken?: string
  tokenFile: string
  close(): Promise<void>
}

/** Starts the control plane: database (migrated), stores, operator API on Node, the Upstash reconciler. */
export async function startControlPlane(opts: ControlPlaneOptions): Promise<ControlPlane> {
  const dataDir = path.resolve(opts.dataDir ?? '.data')
  await mkdir(dataDir, { recursive: true })
  const db = await createDb({ url: opts.databaseUrl, dataDir: path.join(dataDir, 'pglite') })
  await migrate(db)
  const blobs = new LocalBlobStore(path.join(dataDir, 'blobs'))
  const target = opts.edge
  const [edge, edgeBlobs]: [EdgeStoreWriter, EdgeBlobWriter] =
    'cloudflare' in target
      ? [
          new CloudflareKvWriter(target.cloudflare),
          new CloudflareR2Writer({ ...target.cloudflare, bucket: target.cloudflare.r2Bucket }),
        ]
      : [new LocalEdgeStoreWriter(target), new LocalEdgeBlobWriter(target)]
  const services: ControlPlaneServices = {
    db: db.db,
    blobs,
    redis: new Redis({
      url: opts.redis.url,
      token: opts.redis.token,
      automaticDeserialization: false,
      retry: { retries: 1 },
    }),
    edge,
    edgeBlobs,
    scorer: new LocalScorerStore(path.join(dataDir, 'scorer'), blobs),
    // onnxruntime-node loads only when a model is first checked.
    modelCheck:
      opts.modelCheck ??
      (async (bytes, meta) =>
        (await import('@recsys/trainer/model/probe')).checkModel(bytes, meta)),
    limits: opts.limits,
    // Datasets of the operator API are read only under these (default: the state directory).
    datasetRoots: (opts.datasetRoots ?? [dataDir]).map((d) => path.resolve(d)),
    operatorTokenTtlMs: opts.operatorTokenTtlMs,
    log: opts.log,
  }
  const adminToken = await bootstrapAdmin(db.db, opts.adminToken)
  const tokenFile = path.join(dataDir, 'operator-token')
  if (adminToken) {
    await writeFile(tokenFile, `${adminToken}\n`)
    await chmod(tokenFile, 0o600)
  }
  const app = createOperatorApp(services)
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve(
      { fetch: app.fetch, port: opts.port ?? 8788, hostname: opts.host ?? '127.0.0.1' },
      () => resolve(s),
    )
  })
  const port = (server.address() as AddressInfo).port
  const reconcileMs = opts.reconcileMs ?? 10_000
  const timer =
    reconcileMs > 0
      ? setInterval(() => {
          void reconcile(services, opts.log)
        }, reconcileMs)
      : undefined
  timer?.unref()
  opts.log?.({
    msg: 'control plane listening',
    port,
    database: `${db.driver} ${redact(db.target)}`,
  })
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    db,
    services,
    adminToken,
    tokenFile,
    async close() {
      if (timer) clearInterval(timer)
      await new Promise<void>((r) => server.close(() => r()))
      await db.close()
    },
  }
}

/** One pass of the reconciler: kill switches, then tombstones; a failure is logged and the next pass retries. */
async function reconcile(services: ControlPlaneServices, log: ControlPlaneOptions['log']) {
  try {
    const r = await syncKillSwitches(services)
    if (!r.ok) log?.({ msg: 'kill switch reconcile failed', error: r.error.message })
    else if (r.value.set.length || r.value.removed.length)
      log?.({ msg: 'kill switches reconciled', ...r.value })
    const t = await syncTombstones(services)
    if (!t.ok) log?.({ msg: 'tombstone reconcile failed', error: t.error.message })
    else if (t.value.pushed) log?.({ msg: 'tombstones reconciled', ...t.value })
  } catch (e) {
    log?.({ msg: 'reconcile failed', error: e instanceof Error ? e.message : String(e) })
  }
}
