import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { ChampionDecision } from '../release/champion'
import type { EvaluationReport } from '@recsys/trainer/eval/report'
import { CliError } from './cli-error'

/** Where reports go by default, under the working directory: `.data/reports/<tenant>/<report time>/`. */
export const defaultReportDir = (tenant: string, createdAt: string) =>
  path.join(
    '.data',
    'reports',
    // Ids may be `.` or `..`, which a path would read as directories.
    tenant.replace(/^\.+$/, (dots) => '_'.repeat(dots.length)),
    createdAt.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-'),
  )

/**
 * Writes `report.json` (the evaluation report and the gate's decision) and `report.html` (the readable page) under
 * `dir` (created); returns their absolute paths.
 */
export async function writeReportFiles(
  dir: string,
  evaluation: EvaluationReport,
  champion: ChampionDecision | undefined,
): Promise<{ json: string; html: string }> {
  const { renderReportHtml } = await import('@recsys/trainer/eval/report-html')
  const out = path.resolve(dir)
  const files = { json: path.join(out, 'report.json'), html: path.join(out, 'report.html') }
  try {
    await mkdir(out, { recursive: true })
    await writeFile(files.json, `${JSON.stringify({ ...evaluation, champion }, null, 2)}\n`)
    await writeFile(files.html, renderReportHtml(evaluation, champion))
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e)
    throw new CliError(
      'INTERNAL',
      `the run finished but the report could not be written to ${out}: ${code}`,
    )
  }
  return files
}
