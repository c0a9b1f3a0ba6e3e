import { createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { kvKeys, Manifest, ModelMetadata, r2Keys } from '@recsys/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEdgeStack } from '../../test/edge-stack'
import { buildMlp } from '@recsys/trainer/model/mlp'
import { exportMlpToOnnx } from '@recsys/trainer/model/onnx-export'
import { assembleRelease } from '../release/assemble'
import { startControlPlane, type ControlPlane } from '../server'
import { publishRelease } from './publish'

/**
 * A release with an edge model, end to end: the operator API (PGlite in memory) registers a real ONNX model
 * (checked in onnxruntime by the model gate), publishes, and the edge Worker (wrangler's local dev engine) holds
 * the exact bytes in its artifact bucket (R2), named by the manifest; a crash between the R2 write and the manifest
 * leaves the old release serving.
 */
const run = Math.random().toString(36).slice(2, 8)
const tenant = `em-${run}`
const metadata = {
  feature_schema: {
    features: ['a', 'b', 'c', 'd'],
    inputs: [{ name: 'features', dims: [-1, 4] }],
    outputs: [{ name: 'score', dims: [-1, 1] }],
  },
}
const onnx = (seed: number) =>
  new Uint8Array(exportMlpToOnnx(buildMlp({ inputDim: 4, hidden: [8], seed })))
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')

describe('edge model → R2 (end to end)', () => {
  let stack: Awaited<ReturnType<typeof startEdgeStack>>
  let cp: ControlPlane
  let dir: string
  let apiKey = ''

  const call = async (method: string, p: string, body?: unknown, headers = {}) => {
    const raw = body instanceof Uint8Array || typeof body === 'string'
    const res = await fetch(`${cp.url}${p}`, {
      method,
      headers: {
        authorization: `Bearer ${cp.adminToken}`,
        ...(body === undefined || raw ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : raw ? body : JSON.stringify(body),
    })
    const text = await res.text()
    return { status: res.status, text, json: text ? JSON.parse(text) : undefined }
  }
  const register = (kind: string, name: string, body: Uint8Array | string, meta?: unknown) =>
    call('POST', `/v1/tenants/${tenant}/artifacts/${kind}/${name}`, body, {
      'content-type': 'application/octet-stream',
      ...(meta ? { 'x-artifact-metadata': JSON.stringify(meta) } : {}),
    })
  /** Publishes through the API with progress lines; returns them and the result. */
  const publish = async (release: string) => {
    const res = await fetch(`${cp.url}/v1/tenants/${tenant}/releases`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${cp.adminToken}`,
        'content-type': 'application/json',
        accept: 'application/x-ndjson',
      },
      body: JSON.stringify({ reason: 'edge model e2e', release }),
    })
    const lines = (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    return {
      progress: lines.filter((l) => l.progress).map((l) => l.progress as string),
      last: lines.at(-1),
    }
  }
  const fromR2 = (key: string) =>
    fetch(`${stack.edgeAdmin.url}/internal/r2/${key}`, {
      headers: { authorization: `Bearer ${stack.edgeAdmin.token}` },
    })
  const manifest = async (release: string) =>
    Manifest.parse(await stack.edge.getJson(kvKeys.manifest(tenant, release)))
  const served = async () => {
    const res = await fetch(
      `${stack.url}/v1/recommendations?surface=home_feed&anonymous_id=a1&limit=3`,
      { headers: { authorization: `Bearer ${apiKey}` } },
    )
    return ((await res.json()) as any).metadata?.release as string | undefined
  }

  beforeAll(async () => {
    stack = await startEdgeStack()
    dir = await mkdtemp(path.join(tmpdir(), 'recsys-em-'))
    cp = await startControlPlane({
      port: 0,
      dataDir: dir,
      databaseUrl: 'memory://',
      redis: stack.redis,
      edge: stack.edgeAdmin,
      reconcileMs: 0,
    })
    const t = await call('POST', '/v1/tenants', { id: tenant, reason: 'e2e' })
    expect(t.status, t.text).toBe(201)
    apiKey = t.json.api_key
    const items = Array.from({ length: 10 }, (_, i) => ({ item_id: `it${i}`, categories: ['c'] }))
    expect((await call('POST', `/v1/tenants/${tenant}/catalog`, { items })).json.upserted).toBe(10)
    const rules = JSON.stringify({ default: { version: 'r1' } })
    expect((await register('rules', 'rules', rules)).status).toBe(201)
    const slate = { items: ['it1', 'it2', 'it3'].map((item_id) => ({ item_id })) }
    const lists = ['home_feed', 'related_items'].map((surface) => ({ surface, slate }))
    expect((await register('fallback', 'fallback', JSON.stringify({ lists }))).status).toBe(201)
  }, 120_000)
  afterAll(async () => {
    await cp?.close()
    await stack?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('publishes the exact ONNX bytes to R2 under t/<tenant>/blobs/<sha256>, named by the manifest', async () => {
    const bytes = onnx(1)
    const reg = await register('edge_model', 'edge-ranker', bytes, metadata)
    expect(reg.status, reg.text).toBe(201)
    const key = r2Keys.blob(tenant, sha256(bytes))
    expect((await fromR2(key)).status).toBe(404)

    const r1 = await publish(`${tenant}-r1`)
    expect(r1.last.result?.release, JSON.stringify(r1.last)).toBe(`${tenant}-r1`)
    expect(r1.progress).toContain(
      `writing ${key} (${bytes.length} bytes) to the edge's artifact bucket`,
    )

    const obj = await fromR2(key)
    expect(obj.status).toBe(200)
    expect(obj.headers.get('content-type')).toBe('application/octet-stream')
    expect(new Uint8Array(await obj.arrayBuffer())).toEqual(bytes)
    expect((await manifest(`${tenant}-r1`)).edge_model).toEqual({
      key,
      sha256: sha256(bytes),
      size_bytes: bytes.length,
      metadata: ModelMetadata.parse(metadata),
    })
    expect(await served()).toBe(`${tenant}-r1`)

    // The next release with the same model finds the object there and does not upload it again.
    const r2 = await publish(`${tenant}-r2`)
    expect(r2.last.result?.release).toBe(`${tenant}-r2`)
    expect(r2.progress.some((p) => p.includes('artifact bucket'))).toBe(false)
    expect((await manifest(`${tenant}-r2`)).edge_model?.key).toBe(key)
  })

  it('a crash after the R2 write, before the manifest, leaves the old release serving; a retry completes it', async () => {
    const bytes = onnx(2)
    expect((await register('edge_model', 'edge-ranker', bytes, metadata)).status).toBe(201)
    const key = r2Keys.blob(tenant, sha256(bytes))
    const release = `${tenant}-r3`
    const actor = { id: 'admin', role: 'admin' as const }
    const a = await assembleRelease(cp.services, { tenant, release, actor })
    if (!a.ok) throw new Error(a.error.message)
    const input = {
      spec: a.value.spec,
      actor,
      reason: 'crash test',
      edge_blobs: a.value.edge_blobs,
    }
    const crashed = await publishRelease(
      {
        ...cp.services,
        faults: (s) => {
          if (s === 'blobs_written') throw new Error(`crash after ${s}`)
        },
      },
      input,
    ).catch((e: Error) => e.message)
    expect(crashed).toBe('crash after blobs_written')
    expect(new Uint8Array(await (await fromR2(key)).arrayBuffer())).toEqual(bytes)
    expect(await stack.edge.getJson(kvKeys.manifest(tenant, release))).toBeNull()
    await new Promise((r) => setTimeout(r, 1200)) // past the edge's pointer TTL
    expect(await served()).toBe(`${tenant}-r2`)

    const retry = await publishRelease(cp.services, input)
    expect(retry.ok ? 'ok' : JSON.stringify(retry.error)).toBe('ok')
    expect((await manifest(release)).edge_model?.key).toBe(key)
    // Polled: the edge sees the new pointer once its cache expires; the limit only guards against a hang.
    for (const t0 = Date.now(); (await served()) !== release;) {
      if (Date.now() - t0 > 30_000) throw new Error(`the edge does not serve ${release}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }, 90_000)
})
