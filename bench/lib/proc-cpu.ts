import { execSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

let tick: number | undefined
/** Milliseconds per clock tick of /proc's CPU times. */
const msPerTick = () => (tick ??= 1000 / Number(execSync('getconf CLK_TCK').toString().trim()))

/** Parent pid and user + system ticks from the text of `/proc/<pid>/stat`. */
function parseStat(stat: string): { ppid: number; ticks: number } {
  // Fields after the command name (which may hold spaces), from field 3 (state) on.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) }
}

/** pid → (parent pid, user + system ticks) of every live process (Linux /proc). */
function processes(): Map<number, { ppid: number; ticks: number }> {
  const out = new Map<number, { ppid: number; ticks: number }>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      out.set(Number(name), parseStat(readFileSync(`/proc/${name}/stat`, 'utf8')))
    } catch {
      // Exited while we looked.
    }
  }
  return out
}

/** CPU time (user + system, ms) used so far by one process (Linux /proc). */
export function processCpuMs(pid: number): number {
  return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8')).ticks * msPerTick()
}

/**
 * CPU time (user + system, ms) used so far by a process and all its live descendants: a Worker's host process
 * with wrangler's workerd processes, say. Linux only; undefined elsewhere or without a pid.
 */
export function treeCpuMs(root: number | undefined): number | undefined {
  if (root === undefined || process.platform !== 'linux') return undefined
  const procs = processes()
  const children = new Map<number, number[]>()
  for (const [pid, p] of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), pid])
  let ticks = 0
  const stack = [root]
  while (stack.length) {
    const pid = stack.pop()!
    ticks += procs.get(pid)?.ticks ?? 0
    stack.push(...(children.get(pid) ?? []))
  }
  return ticks * msPerTick()
}
