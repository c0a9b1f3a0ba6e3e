/** One JSON object per line: the scorer's event log (loads, swaps, failures). */
export type Logger = (event: string, fields?: Record<string, unknown>) => void

export const jsonLogger =
  (write: (line: string) => void = (l) => process.stdout.write(l + '\n')): Logger =>
  (event, fields = {}) =>
    write(JSON.stringify({ t: new Date().toISOString(), msg: event, ...fields }))

/** Collects events in memory (tests). */
export function memoryLogger(): Logger & {
  events: Array<{ event: string } & Record<string, unknown>>
} {
  const events: Array<{ event: string } & Record<string, unknown>> = []
  const log = ((event: string, fields: Record<string, unknown> = {}) => {
    events.push({ event, ...fields })
  }) as Logger & { events: typeof events }
  log.events = events
  return log
}
