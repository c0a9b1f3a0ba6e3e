import { CommanderError, type Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { parseSince } from './audit'
import { buildProgram } from './program'

/** Runs the program in-process (exitOverride turns every exit into a CommanderError). */
async function run(args: string[]) {
  let out = ''
  const program = buildProgram({ writeOut: (s) => (out += s), writeErr: (s) => (out += s) })
  try {
    await program.parseAsync(args, { from: 'user' })
    return { code: 0, out }
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e
    return { code: e.exitCode, out }
  }
}

const leaves = (c: Command): Command[] => (c.commands.length ? c.commands.flatMap(leaves) : [c])

describe('recsys program', () => {
  it('--help of every group exits 0, lists its commands and shows an example', async () => {
    const groups: Record<string, string[]> = {
      tenant: ['create', 'list', 'show'],
      key: ['create', 'list', 'revoke'],
      catalog: ['import', 'list'],
      artifact: ['register', 'list', 'show'],
      release: ['publish', 'rollback', 'list', 'show'],
      pipeline: ['run'],
      eval: ['--tenant', '--dataset', '--out'],
      events: ['export', 'import'],
      'kill-switch': ['engage', 'release', 'list', 'sync'],
      item: ['tombstone', 'tombstones'],
      operator: ['create', 'list', 'rotate', 'disable'],
      audit: ['--tenant', '--actor', '--action', '--since', '--limit'],
      whoami: [],
      serve: ['--port', '--data-dir', '--database-url', '--edge-url', '--edge-token'],
    }
    const top = await run(['--help'])
    expect(top.code).toBe(0)
    for (const [group, entries] of Object.entries(groups)) {
      expect(top.out).toMatch(new RegExp(`^\\s+${group}\\b`, 'm'))
      const r = await run([group, '--help'])
      expect(r.code, group).toBe(0)
      expect(r.out, group).toMatch(/\nExamples:\n {2}\$ .*recsys /)
      for (const e of entries)
        expect(r.out, `${group} ${e}`).toMatch(new RegExp(`^\\s+${e}\\b`, 'm'))
    }
  })

  it('every command has a one-line description and takes --json', () => {
    const all = leaves(buildProgram())
    expect(all.length).toBeGreaterThanOrEqual(27)
    for (const c of all) {
      expect(c.description(), c.name()).toMatch(/^[A-Z][^\n]+$/)
      expect(c.helpInformation(), c.name()).toMatch(/^\s+--json\b/m)
    }
  })

  it('refuses bad usage with exit code ≠ 0 before any request', async () => {
    const reason = await run(['release', 'publish', '--tenant', 'acme'])
    expect(reason.code).not.toBe(0)
    expect(reason.out).toContain("required option '--reason <text>' not specified")
    const kind = await run(['artifact', 'list', '--tenant', 'a', '--kind', 'nope'])
    expect(kind.code).not.toBe(0)
    expect(kind.out).toContain('Allowed choices are catalog, denylist')
    expect((await run(['audit', '--since', 'yesterday-ish'])).out).toContain('expected a duration')
    const force = await run(['pipeline', 'run', '--tenant', 'a', '--publish', '--force'])
    expect(force.code).toBe(2)
    expect(force.out).toContain('--force needs --reason')
    const dataset = await run(['eval', '--tenant', 'a', '--dataset', 'imagenet'])
    expect(dataset.code).not.toBe(0)
    expect(dataset.out).toContain('expected synthetic, movielens:<dir> or log:<dir>')
  })

  it('--since takes a duration back from now or a date', () => {
    const now = Date.parse('2026-11-21T12:00:00Z')
    expect(parseSince('90m', now)).toBe('2026-11-21T10:30:00.000Z')
    expect(parseSince('7d', now)).toBe('2026-11-14T12:00:00.000Z')
    expect(parseSince('2026-11-20T08:00:00+01:00', now)).toBe('2026-11-20T07:00:00.000Z')
  })
})
