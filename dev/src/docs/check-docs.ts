import { readdir, readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { markdownFacts, type MarkdownFacts } from './markdown-facts.js'

/** Folders that are not the project's own text: dependencies, build output, local state, benchmark output. */
const SKIP_DIRS = new Set(['node_modules', 'dist', 'coverage', '.data', '.wrangler', '.git'])
const SKIP_PATHS = new Set(['bench/results'])
const CODE = /\.(?:[cm]?[jt]s|toml)$/

/**
 * A reference into the docs from code or prose: `docs/<file>.md`, optionally `#<anchor>`, read from the repository
 * root. Not a reference: a pattern (`docs/*.md`, `docs/<file>.md`) or another project's path (`onnx/docs/…`).
 */
const DOCS_REF = /(?<![\w./-])docs\/[\w./-]*?\.md(?:#[\w-]+)?/g

/**
 * References that a clone of the repository cannot resolve: design notes that live outside it, and numbered
 * sections (a section sign and a number) that the docs do not have. The docs use stable heading anchors instead.
 * @note Written with escapes so that this file does not match what it looks for.
 */
const UNRESOLVABLE: ReadonlyArray<[RegExp, string]> = [
  [
    /\b(?:ARCHITECTURE|API|CONVENTIONS)\.md\b/g,
    'names a design note that is not in the repository: point to docs/<file>.md#<anchor>',
  ],
  [/\u00a7\s*\w+(?:\.\w+)*/g, 'a numbered section reference: point to docs/<file>.md#<anchor>'],
]

/** Every file under `root` whose name passes `want`, as paths relative to root with `/` separators. */
async function walk(root: string, want: (rel: string) => boolean, dir = ''): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(path.join(root, dir), { withFileTypes: true })) {
    const rel = dir ? `${dir}/${e.name}` : e.name
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name) && !e.name.startsWith('.') && !SKIP_PATHS.has(rel))
        out.push(...(await walk(root, want, rel)))
    } else if (e.isFile() && want(rel)) out.push(rel)
  }
  return out.sort()
}

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  )

/**
 * Checks the repository's documentation the way a reader of a fresh clone meets it:
 * - every relative link of every markdown file resolves to a file or folder inside the repository, and a
 *   `#anchor` on a markdown target (or on the file itself) to one of its headings, by GitHub's slug rules;
 * - every `docs/<file>.md#<anchor>` written in code or prose resolves the same way;
 * - nothing points at design notes outside the repository or at numbered sections.
 * Returns one line per problem, `<file>:<line>: <what>`; empty when all is well.
 */
export async function checkDocs(root: string): Promise<string[]> {
  const problems: string[] = []
  const facts = new Map<string, MarkdownFacts | null>()
  /** The facts of a markdown file (repository-relative), or null when it does not exist. */
  const factsOf = async (rel: string): Promise<MarkdownFacts | null> => {
    if (!facts.has(rel)) {
      const text = await readFile(path.join(root, rel), 'utf8').catch(() => null)
      facts.set(rel, text === null ? null : markdownFacts(text))
    }
    return facts.get(rel)!
  }

  /** Why `target#anchor` (repository-relative) does not resolve, or undefined when it does. */
  const unresolved = async (target: string, anchor: string | undefined) => {
    if (target.startsWith('../') || path.isAbsolute(target))
      return 'points outside the repository (a clone has nothing there)'
    if (!(await exists(path.join(root, target)))) return 'no such file'
    if (anchor === undefined || !target.endsWith('.md')) return undefined
    const f = await factsOf(target)
    return f?.anchors.has(anchor) ? undefined : `no heading with the anchor #${anchor} in ${target}`
  }

  const markdown = await walk(root, (rel) => rel.endsWith('.md'))
  for (const file of markdown) {
    for (const link of (await factsOf(file))!.links) {
      const { href } = link
      if (/^[a-z][a-z\d+.-]*:|^\/\//i.test(href)) continue // a URL, mail address and the like
      const where = `${file}:${link.line}: link (${href})`
      if (href.startsWith('/')) {
        problems.push(`${where}: absolute path; use a path relative to ${file}`)
        continue
      }
      const [rawPath = '', rawAnchor] = href.split('#', 2)
      const linked = decodeURIComponent(rawPath.split('?')[0]!)
      const target = linked
        ? path.posix.normalize(path.posix.join(path.posix.dirname(file), linked))
        : file
      const why = await unresolved(
        target,
        rawAnchor === undefined ? undefined : decodeURIComponent(rawAnchor),
      )
      if (why) problems.push(`${where}: ${why}`)
    }
  }

  const texts = [...markdown, ...(await walk(root, (rel) => CODE.test(rel)))]
  for (const file of texts) {
    const lines = (await readFile(path.join(root, file), 'utf8')).split('\n')
    for (const [i, line] of lines.entries()) {
      for (const m of line.matchAll(DOCS_REF)) {
        const [target, anchor] = m[0].split('#', 2) as [string, string | undefined]
        const why = await unresolved(target, anchor)
        if (why) problems.push(`${file}:${i + 1}: ${m[0]}: ${why}`)
      }
      for (const [re, why] of UNRESOLVABLE)
        for (const m of line.matchAll(re)) problems.push(`${file}:${i + 1}: ${m[0]}: ${why}`)
    }
  }
  return problems
}
