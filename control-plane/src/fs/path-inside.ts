import path from 'node:path'

/**
 * `root` joined with `segments`, checked to stay strictly inside `root` once `.`/`..` are resolved: file stores
 * build paths from ids (tenants, releases, hashes), and a segment such as `..` must never name a file outside.
 * Throws on an escape: ids are validated before they reach a store, so one that escapes is a bug, not input.
 */
export function pathInside(root: string, ...segments: string[]): string {
  const base = path.resolve(root)
  const full = path.resolve(base, ...segments)
  const rel = path.relative(base, full)
  if (rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel))
    throw new Error(`path ${JSON.stringify(segments.join('/'))} leads out of ${base}`)
  for (const s of segments)
    if (s.split(/[\\/]/).some((part) => part === '..' || part === '.'))
      throw new Error(`path segment ${JSON.stringify(s)} names a folder or its parent`)
  return full
}
