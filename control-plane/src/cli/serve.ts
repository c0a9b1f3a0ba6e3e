import { existsSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { Option, type Command } from 'commander'
import { usageError } from './cli-error'
import { act } from './context'
import { indent, kv } from './format'
import { examples, int } from './options'
import { TOKEN_FILE } from './token'

interface ServeOptions {
  port: number
  host: string
  dataDir: string
  databaseUrl?: string
  redisUrl: string
  redisToken: string
  edgeUrl: string
  edgeToken?: string
  adminToken?: string
}

async function portFree(port: number, host: string): Promise<boolean> {
  if (port === 0) return true
  return new Promise((resolve) => {
    const s = net.createServer()
    s.once('error', () => resolve(false))
    s.listen(port, host, () => s.close(() => resolve(true)))
  })
}

/**
 * Where publishes go: Cloudflare's KV and R2 APIs when CLOUDFLARE_API_TOKEN is set (then its account, namespace and
 * bucket are required), else the local edge's /internal routes. The same variables the control plane's process
 * entry reads.
 */
function edgeTarget(o: ServeOptions, env = process.env) {
  if (env.CLOUDFLARE_API_TOKEN) {
    const missing = [
      'CLOUDFLARE_ACCOUNT_ID',
      'CLOUDFLARE_KV_NAMESPACE_ID',
      'CLOUDFLARE_R2_BUCKET',
    ].filter((k) => !env[k])
    if (missing.length)
      throw usageError(
        `CLOUDFLARE_API_TOKEN is set, so Cloudflare KV and R2 are used: set ${missing.join(' and ')} too`,
      )
    return {
      cloudflare: {
        accountId: env.CLOUDFLARE_ACCOUNT_ID!,
        namespaceId: env.CLOUDFLARE_KV_NAMESPACE_ID!,
        r2Bucket: env.CLOUDFLARE_R2_BUCKET!,
        apiToken: env.CLOUDFLARE_API_TOKEN,
      },
    }
  }
  if (!o.edgeToken)
    throw usageError(
      `no edge admin token: the control plane writes API keys and releases through the local edge's /internal ` +
        `route (${o.edgeUrl}), which needs the EDGE_ADMIN_TOKEN the edge was started with: pass --edge-token or ` +
        `set EDGE_ADMIN_TOKEN. For Cloudflare, set CLOUDFLARE_API_TOKEN, CLOUDFLARE_ACCOUNT_ID, ` +
        `CLOUDFLARE_KV_NAMESPACE_ID and CLOUDFLARE_R2_BUCKET instead.`,
    )
  return { url: o.edgeUrl, token: o.edgeToken }
}

/** `recsys serve`: the control plane in this process. */
export function serveCommand(program: Command) {
  const serve = program
    .command('serve')
    .description(
      'Run the control plane here: operator API, Swagger UI at /docs, kill-switch reconciler',
    )
    .addOption(
      new Option('--port <n>', 'port').argParser(int).env('CONTROL_PLANE_PORT').default(8788),
    )
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .addOption(
      new Option('--data-dir <dir>', 'state: PGlite, blobs, scorer files, operator-token')
        .env('RECSYS_DATA_DIR')
        .default('.data'),
    )
    .addOption(
      new Option(
        '--database-url <url>',
        'PostgreSQL or Neon (default: PGlite in <data-dir>/pglite)',
      ).env('DATABASE_URL'),
    )
    .addOption(
      new Option('--redis-url <url>', 'Upstash REST URL (local: the gateway)')
        .env('UPSTASH_REDIS_REST_URL')
        .default('http://127.0.0.1:8079'),
    )
    .addOption(
      new Option('--redis-token <token>', 'Upstash REST token')
        .env('UPSTASH_REDIS_REST_TOKEN')
        .default('dev-token'),
    )
    .addOption(
      new Option(
        '--edge-url <url>',
        "the local edge (its /internal route takes the control plane's writes)",
      )
        .env('EDGE_URL')
        .default('http://127.0.0.1:8787'),
    )
    .addOption(new Option('--edge-token <token>', "the edge's admin token").env('EDGE_ADMIN_TOKEN'))
    .addOption(
      new Option(
        '--admin-token <token>',
        'token of the first admin (default: a new random one)',
      ).env('RECSYS_ADMIN_TOKEN'),
    )
    .action(
      act<ServeOptions>(async (ctx, o) => {
        const edge = edgeTarget(o)
        if (!(await portFree(o.port, o.host)))
          throw usageError(
            `port ${o.port} on ${o.host} is in use: stop what holds it or pass --port`,
          )
        const { startControlPlane } = await import('../server')
        const { redact } = await import('../db/client')
        const { securityFromEnv } = await import('../security-env')
        const log = (line: Record<string, unknown>) =>
          process.stderr.write(`${JSON.stringify({ at: new Date().toISOString(), ...line })}\n`)
        const cp = await startControlPlane({
          port: o.port,
          host: o.host,
          dataDir: o.dataDir,
          databaseUrl: o.databaseUrl,
          redis: { url: o.redisUrl, token: o.redisToken },
          edge,
          adminToken: o.adminToken,
          ...securityFromEnv(),
          log,
        })
        const tokenFile = path.relative(process.cwd(), cp.tokenFile) || cp.tokenFile
        const info = {
          url: cp.url,
          docs: `${cp.url}/docs`,
          openapi: `${cp.url}/v1/openapi.json`,
          database: `${cp.db.driver} ${cp.db.driver === 'pglite' ? cp.db.target : redact(cp.db.target)}`,
          token_file: cp.tokenFile,
          admin_created: Boolean(cp.adminToken),
        }
        const tokenLine = cp.adminToken
          ? `admin token written to ${tokenFile} (new database: operator "admin" created)`
          : existsSync(cp.tokenFile)
            ? `operators exist; the first admin's token is in ${tokenFile}`
            : `operators exist; use your operator token (--token or RECSYS_TOKEN)`
        const hint =
          path.resolve(cp.tokenFile) === path.resolve(TOKEN_FILE)
            ? 'try: npx recsys whoami'
            : `try: RECSYS_TOKEN=$(cat ${tokenFile}) npx recsys whoami`
        ctx.out(info, () =>
          [
            `control plane listening on ${cp.url}`,
            indent(
              kv([
                ['API docs', info.docs],
                ['database', info.database],
                ['token', tokenLine],
              ]),
            ),
            indent(hint),
          ].join('\n'),
        )
        const stop = () => {
          cp.close().then(
            () => process.exit(0),
            (e: unknown) => {
              log({ msg: 'error while stopping', error: String(e) })
              process.exit(1)
            },
          )
        }
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
      }),
    )
  examples(serve, [
    'EDGE_ADMIN_TOKEN=… npx recsys serve',
    'DATABASE_URL=postgres://… UPSTASH_REDIS_REST_URL=… UPSTASH_REDIS_REST_TOKEN=… npx recsys serve --port 9000',
    'RECSYS_DATASET_ROOTS=.data:/srv/datasets npx recsys serve   # where movielens:/log: datasets may be read',
  ])
}
