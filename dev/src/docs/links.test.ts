import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { checkDocs } from './check-docs.js'
import { markdownFacts } from './markdown-facts.js'

const repoRoot = path.resolve(import.meta.dirname, '../../..')

// Built from parts, so that this file holds none of the references it tests (the repository check reads it too).
const docsRef = (file: string, anchor: string) => `${['docs', file].join('/')}#${anchor}`
const GUIDE = ['docs', 'guide.md'].join('/')
const SECTION = '\u00a7'
const NOTE = ['ARCHITECTURE', 'md'].join('.')
const POINT = `point to ${['docs', '<file>.md#<anchor>'].join('/')}`

describe('the repository documentation', () => {
  it('has no broken link, anchor or reference (README, docs/, every markdown file and code comment)', async () => {
    expect(await checkDocs(repoRoot)).toEqual([])
  })
})

describe('markdownFacts', () => {
  it('gives headings the anchors GitHub gives them', () => {
    const { anchors } = markdownFacts(
      [
        '# Fail open, fail closed',
        '## PUT /v1/users/{user_id}/consent',
        '## The `ranked` tier',
        '## Repeat',
        '## Repeat',
        '```md',
        '## not a heading',
        '```',
      ].join('\n\n'),
    )
    expect([...anchors]).toEqual([
      'fail-open-fail-closed',
      'put-v1usersuser_idconsent',
      'the-ranked-tier',
      'repeat',
      'repeat-1',
    ])
  })

  it('finds links in prose, tables and reference definitions with their lines, not in code', () => {
    const { links } = markdownFacts(
      [
        'See [a](a.md#x).',
        '',
        '| col |',
        '| --- |',
        '| [b](dir/b.md) |',
        '',
        '```',
        '[c](c.md)',
        '```',
        '',
        'And [d][ref].',
        '',
        '[ref]: ./d.md',
      ].join('\n'),
    )
    expect(links).toEqual([
      { href: 'a.md#x', line: 1 },
      { href: 'dir/b.md', line: 5 },
      { href: './d.md', line: 11 },
    ])
  })
})

describe('checkDocs on a fixture', () => {
  let root: string | undefined
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true })
  })

  it('names every broken link, anchor and reference, and accepts the good ones', async () => {
    root = await mkdtemp(path.join(tmpdir(), 'docs-check-'))
    await mkdir(path.join(root, 'docs'))
    await mkdir(path.join(root, 'src'))
    await writeFile(path.join(root, 'src', 'code.ts'), '// fixture\n')
    await writeFile(
      path.join(root, GUIDE),
      [
        '# Guide',
        '',
        '## Fail open, fail closed',
        '',
        'Good: [self](#guide), [readme](../README.md), [code](../src/code.ts), [folder](../src/),',
        '[site](https://example.com/x.md), [heading](guide.md#fail-open-fail-closed).',
        '',
        'Broken: [gone](missing.md), [anchor](#nowhere), [other](../README.md#nope),',
        `[outside](../../elsewhere.md), [rooted](/${GUIDE}).`,
      ].join('\n'),
    )
    await writeFile(
      path.join(root, 'README.md'),
      ['# Readme', '', `Read [the guide](${docsRef('guide.md', 'guide')}).`, ''].join('\n'),
    )
    await writeFile(
      path.join(root, 'src', 'refs.ts'),
      [
        `/** Good: ${docsRef('guide.md', 'fail-open-fail-closed')}. */`,
        `/** Broken anchor: ${docsRef('guide.md', 'missing')}. */`,
        `/** Broken file: ${docsRef('nope.md', 'x')}. */`,
        `// Outside: ../shared/${NOTE} and ARCHITECTURE ${SECTION}5.`,
        '',
      ].join('\n'),
    )

    expect(await checkDocs(root)).toEqual([
      `${GUIDE}:8: link (missing.md): no such file`,
      `${GUIDE}:8: link (#nowhere): no heading with the anchor #nowhere in ${GUIDE}`,
      `${GUIDE}:8: link (../README.md#nope): no heading with the anchor #nope in README.md`,
      `${GUIDE}:9: link (../../elsewhere.md): points outside the repository (a clone has nothing there)`,
      `${GUIDE}:9: link (/${GUIDE}): absolute path; use a path relative to ${GUIDE}`,
      `src/refs.ts:2: ${docsRef('guide.md', 'missing')}: no heading with the anchor #missing in ${GUIDE}`,
      `src/refs.ts:3: ${docsRef('nope.md', 'x')}: no such file`,
      `src/refs.ts:4: ${NOTE}: names a design note that is not in the repository: ${POINT}`,
      `src/refs.ts:4: ${SECTION}5: a numbered section reference: ${POINT}`,
    ])
  })
})
