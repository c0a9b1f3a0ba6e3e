/**
 * The control plane as a process: configuration from the environment, JSON log lines on stdout, one
 * `{"msg":"ready",…}` line once it listens. `npm start` runs it; `recsys serve` is the same with flags.
 *
 *   CONTROL_PLANE_PORT (8788) · RECSYS_DATA_DIR (.data) · DATABASE_URL (none: PGlite in <data>/pglite)
 *   UPSTASH_REDIS_REST_URL / UPSTASH_REDIS_REST_TOKEN · EDGE_URL / EDGE_ADMIN_TOKEN (local edge store), or
 *   CLOUDFLARE_ACCOUNT_ID / CLOUDFLARE_KV_NAMESPACE_ID / CLOUDFLARE_R2_BUCKET / CLOUDFLARE_API_TOKEN (Cloudflare
 *   KV, and R2 for the edge model)
 *   RECSYS_ADMIN_TOKEN (the first admin's token; default: a new one written to <data>/operator-token)
 *   RECSYS_DATASET_ROOTS (default <data>) · RECSYS_PIPELINE_MAX_INTERACTIONS · RECSYS_CATALOG_MAX_BYTES ·
 *   RECSYS_OPERATOR_TOKEN_TTL_DAYS (90): see docs/security-control-plane.md
 */
import { securityFromEnv } from './security-env'
import { startControlPlane, type ControlPlaneOptions } from './server'

export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): ControlPlaneOptions {
  const need = (name: string) => {
    const v = env[name]
    if (!v) throw new Error(`${name} is not set`)
    return v
  }
  const edge: ControlPlaneOptions['edge'] = env.CLOUDFLARE_API_TOKEN
    ? {
        cloudflare: {
          accountId: need('CLOUDFLARE_ACCOUNT_ID'),
          namespaceId: need('CLOUDFLARE_KV_NAMESPACE_ID'),
          r2Bucket: need('CLOUDFLARE_R2_BUCKET'),
          apiToken: need('CLOUDFLARE_API_TOKEN'),
        },
      }
    : { url: env.EDGE_URL ?? 'http://127.0.0.1:8787', token: need('EDGE_ADMIN_TOKEN') }
  return {
    port: Number(env.CONTROL_PLANE_PORT ?? 8788),
    dataDir: env.RECSYS_DATA_DIR ?? '.data',
    databaseUrl: env.DATABASE_URL,
    redis: { url: need('UPSTASH_REDIS_REST_URL'), token: need('UPSTASH_REDIS_REST_TOKEN') },
    edge,
    adminToken: env.RECSYS_ADMIN_TOKEN,
    ...securityFromEnv(env),
  }
}

export async function main(opts: ControlPlaneOptions = optionsFromEnv()) {
  const log = (line: Record<string, unknown>) =>
    process.stdout.write(`${JSON.stringify({ t: new Date().toISOString(), ...line })}\n`)
  const cp = await startControlPlane({ ...opts, log })
  log({
    msg: 'ready',
    url: cp.url,
    docs: `${cp.url}/docs`,
    database: cp.db.driver,
    token_file: cp.tokenFile,
    admin_created: Boolean(cp.adminToken),
  })
  const stop = async () => {
    await cp.close()
    process.exit(0)
  }
  process.on('SIGINT', () => void stop())
  process.on('SIGTERM', () => void stop())
  return cp
}

if (import.meta.url === `file://${process.argv[1]}`)
  main().catch((e: Error) => {
    process.stderr.write(`control plane failed to start: ${e.message}\n`)
    process.exit(1)
  })
