import { ARTIFACT_KINDS } from '@recsys/shared/contracts/artifact-files'
import { Option, type Command } from 'commander'
import { usageError } from './cli-error'
import { act } from './context'
import { bytes, kv, short, table } from './format'
import { examples, int, reasonOption, tenantOption } from './options'
import { readInput } from './read-file'

interface Version {
  id: number
  kind: string
  name: string
  sha256: string
  size_bytes: number
  metadata: Record<string, unknown>
  created_by: string
  created_at: string
}

const kindOption = () => new Option('--kind <kind>', 'artifact kind').choices(ARTIFACT_KINDS)
const artifactsPath = (tenant: string) => `/v1/tenants/${encodeURIComponent(tenant)}/artifacts`

/** Reads a metadata file: a JSON object, sent base64url-encoded in `x-artifact-metadata`. */
async function metadataHeader(file: string): Promise<string> {
  const text = (await readInput(file)).toString('utf8')
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch {
    throw usageError(`${file} is not JSON`)
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc))
    throw usageError(`${file} must hold a JSON object`)
  return Buffer.from(JSON.stringify(doc)).toString('base64url')
}

/** `recsys artifact register|list|show`: the content-addressed registry. */
export function artifactCommands(program: Command) {
  const artifact = program
    .command('artifact')
    .description('Register and inspect artifact versions (content-addressed by SHA-256)')
  examples(artifact, [
    'recsys artifact register --tenant acme --kind rules --name rules rules.json',
    'recsys artifact register --tenant acme --kind model --name ranker model.onnx --metadata model.meta.json',
    'recsys artifact list --tenant acme --kind slates',
    'recsys artifact show --tenant acme 3f9a1c2b',
  ])

  artifact
    .command('register <file>')
    .description(
      'Register a file as a version of an artifact (same bytes and metadata → same version)',
    )
    .addOption(tenantOption())
    .addOption(kindOption().makeOptionMandatory())
    .requiredOption('--name <name>', 'artifact name within its kind')
    .option('--metadata <json-file>', 'metadata (a JSON object) stored with the version')
    .addOption(reasonOption(false))
    .action(
      act<{ tenant: string; kind: string; name: string; metadata?: string; reason?: string }>(
        async (ctx, o, [file]) => {
          const headers = o.metadata
            ? { 'x-artifact-metadata': await metadataHeader(o.metadata) }
            : undefined
          const body = await readInput(file!)
          const r = await ctx.api.call<{ created: boolean; version: Version }>(
            'POST',
            `${artifactsPath(o.tenant)}/${o.kind}/${encodeURIComponent(o.name)}`,
            { body, contentType: 'application/octet-stream', headers, query: { reason: o.reason } },
          )
          const v = r.version
          ctx.out(
            r,
            () =>
              `${r.created ? 'registered' : 'already registered (same bytes and metadata)'}: ` +
              `${v.kind}/${v.name} version ${v.id}, sha256 ${v.sha256}, ${bytes(v.size_bytes)}`,
          )
        },
      ),
    )

  artifact
    .command('list')
    .description('List artifact versions, newest first')
    .addOption(tenantOption())
    .addOption(kindOption())
    .option('--name <name>', 'only this artifact name')
    .option('--limit <n>', 'at most this many (1–1000)', int, 100)
    .action(
      act<{ tenant: string; kind?: string; name?: string; limit: number }>(async (ctx, o) => {
        const r = await ctx.api.call<{ versions: Version[] }>('GET', artifactsPath(o.tenant), {
          query: { kind: o.kind, name: o.name, limit: o.limit },
        })
        ctx.out(r, () =>
          table(r.versions, [
            ['version', 'id'],
            ['kind', 'kind'],
            ['name', 'name'],
            ['sha256', (v) => short(v.sha256)],
            ['size', (v) => bytes(v.size_bytes)],
            ['created by', 'created_by'],
            ['created', 'created_at'],
          ]),
        )
      }),
    )

  artifact
    .command('show <ref>')
    .description('One version, by id or SHA-256 prefix (at least 8 characters)')
    .addOption(tenantOption())
    .action(
      act<{ tenant: string }>(async (ctx, o, [ref]) => {
        const v = await ctx.api.call<Version>(
          'GET',
          `${artifactsPath(o.tenant)}/versions/${encodeURIComponent(ref!)}`,
        )
        ctx.out(v, () =>
          kv([
            ['version', v.id],
            ['artifact', `${v.kind}/${v.name}`],
            ['sha256', v.sha256],
            ['size', bytes(v.size_bytes)],
            ['created by', v.created_by],
            ['created', v.created_at],
            ['metadata', Object.keys(v.metadata ?? {}).length ? v.metadata : undefined],
          ]),
        )
      }),
    )
}
