/**
 * LogReader for Cloudflare R2 through the v4 REST API: "List Objects"
 * (`GET /accounts/{account_id}/r2/buckets/{bucket_name}/objects?prefix=&cursor=&per_page=`, answered with the v4
 * envelope, objects in `result` and the next cursor in `result_info.cursor` while `result_info.is_truncated`) and
 * "Get Object" (`GET …/objects/{key}`, the raw bytes; the same call CloudflareR2Writer.hasBlob makes). Read from
 * Cloudflare's API reference ("R2 › Buckets › Objects"); not exercised against the real API from here.
 */
import {
  CloudflareCaller,
  DEFAULT_BASE_URL,
  httpError,
  readEnvelope,
  type CloudflareCallOptions,
} from '../publish/cloudflare-api'
import { encodeObjectKey } from '../publish/edge-blobs'
import type { LogReader } from './log-reader'

export interface CloudflareLogReaderOptions extends CloudflareCallOptions {
  accountId: string
  /** The log bucket (wrangler.toml: `recsys-logs`). */
  bucket: string
  baseUrl?: string
  /** Keys per listing page (1–1000). */
  perPage?: number
}

export class CloudflareLogReader implements LogReader {
  private readonly objectsUrl: string
  private readonly api: CloudflareCaller

  constructor(private readonly opts: CloudflareLogReaderOptions) {
    const base = (opts.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '')
    this.objectsUrl =
      `${base}/accounts/${encodeURIComponent(opts.accountId)}` +
      `/r2/buckets/${encodeURIComponent(opts.bucket)}/objects`
    this.api = new CloudflareCaller(opts)
  }

  async list(prefix: string, cursor?: string) {
    const q = new URLSearchParams({
      prefix,
      per_page: String(this.opts.perPage ?? 1000),
      ...(cursor && { cursor }),
    })
    const what = `R2 listing of ${JSON.stringify(prefix)}`
    return this.api.withRetries(what, async (what) => {
      const res = await this.api.attempt(what, `${this.objectsUrl}?${q}`, { method: 'GET' })
      const body = parseBody(await res.text().catch(() => ''))
      const result = body?.result
      if (!res.ok || body?.success === false || !Array.isArray(result))
        throw httpError(what, res, {
          success: typeof body?.success === 'boolean' ? body.success : undefined,
          errors: Array.isArray(body?.errors)
            ? (body.errors as Array<{ code?: unknown; message?: unknown }>).map((e) => ({
                code: Number(e.code),
                message: String(e.message ?? ''),
              }))
            : [],
          result,
        })
      const objects = (result as Array<{ key?: unknown; size?: unknown }>).map((o) => ({
        key: String(o.key),
        size: Number(o.size ?? 0),
      }))
      const i = (body?.result_info ?? {}) as { cursor?: unknown; is_truncated?: unknown }
      const next =
        i.is_truncated === true && typeof i.cursor === 'string' && i.cursor ? i.cursor : null
      return { objects, cursor: next }
    })
  }

  async get(key: string): Promise<Uint8Array> {
    const what = `R2 read of ${JSON.stringify(key)}`
    return this.api.withRetries(what, async (what) => {
      const res = await this.api.attempt(what, `${this.objectsUrl}/${encodeObjectKey(key)}`, {
        method: 'GET',
      })
      if (!res.ok) throw httpError(what, res, await readEnvelope(res))
      return new Uint8Array(await res.arrayBuffer())
    })
  }
}

function parseBody(text: string): Record<string, unknown> | undefined {
  try {
    const b: unknown = JSON.parse(text)
    return typeof b === 'object' && b !== null ? (b as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}
