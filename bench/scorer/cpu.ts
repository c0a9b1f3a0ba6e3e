/**
 * `npx tsx bench/scorer/cpu.ts`: the scorer's JavaScript CPU per 1000-candidate request, without HTTP: the bench's
 * fixture store is loaded as the scorer loads it (`loadRelease`), and each request runs the route's work in process
 * (JSON.parse, `RankRequest` validation, `rank`, JSON.stringify of the response), one at a time. Prints the CPU
 * time per request (user + system, `process.cpuUsage`) and the share of each stage. Run it under
 * `node --cpu-prof --import tsx bench/scorer/cpu.ts` for a profile.
 * Knobs: BENCH_ITEMS (5000), BENCH_CANDIDATES (1000), BENCH_CPU_REQUESTS (3000).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { RankRequest } from '@recsys/shared'
import { LocalArtifactStore } from '../../gpu-scorer/src/artifacts/artifact-store'
import { loadRelease } from '../../gpu-scorer/src/artifacts/loaded-release'
import { ScorerMetrics } from '../../gpu-scorer/src/metrics/scorer-metrics'
import { rank } from '../../gpu-scorer/src/rank'
import { benchBodies, benchFixture } from './fixture'

const REQUESTS = Number(process.env.BENCH_CPU_REQUESTS ?? 3000)

export async function cpuPerRequest(requests = REQUESTS) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bench-scorer-cpu-'))
  try {
    const fx = await benchFixture(dataDir)
    const bodies = benchBodies(fx)
    const release = await loadRelease(new LocalArtifactStore(dataDir), fx.tenant, fx.release, {
      provider: 'cpu',
      maxBatch: 4096,
      maxWaitMs: 0,
    })
    const metrics = new ScorerMetrics()
    const stages = { parse: 0, rank: 0, stringify: 0 }
    let scored = 0
    const one = async (i: number, timed: boolean) => {
      const t0 = performance.now()
      const req = RankRequest.parse(JSON.parse(bodies[i % bodies.length]!))
      const t1 = performance.now()
      const out = await rank(release, req, {
        startedAt: t0,
        deadlineMs: 1000,
        metrics,
        disabled: () => undefined,
      })
      const t2 = performance.now()
      if (!out.ok) throw new Error(out.error)
      JSON.stringify(out.value)
      const t3 = performance.now()
      if (timed) {
        stages.parse += t1 - t0
        stages.rank += t2 - t1
        stages.stringify += t3 - t2
        scored += out.value.scored
      }
    }
    for (let i = 0; i < 300; i++) await one(i, false)
    const cpu0 = process.cpuUsage()
    const wall0 = performance.now()
    for (let i = 0; i < requests; i++) await one(i, true)
    const wall = performance.now() - wall0
    const cpu = process.cpuUsage(cpu0)
    await release.dispose()
    const per = (x: number) => x / requests
    return {
      requests,
      scoredPerRequest: scored / requests,
      cpuMsPerRequest: per((cpu.user + cpu.system) / 1000),
      wallMsPerRequest: per(wall),
      parseMs: per(stages.parse),
      rankMs: per(stages.rank),
      stringifyMs: per(stages.stringify),
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await cpuPerRequest()
  const f = (x: number) => x.toFixed(3)
  console.log(
    `${r.requests} requests, ${r.scoredPerRequest.toFixed(0)} scored each: CPU ${f(r.cpuMsPerRequest)} ms/request ` +
      `(wall ${f(r.wallMsPerRequest)}: parse+validate ${f(r.parseMs)}, rank ${f(r.rankMs)}, stringify ${f(r.stringifyMs)})`,
  )
}
