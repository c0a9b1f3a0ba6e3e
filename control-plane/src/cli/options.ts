import path from 'node:path'
import { InvalidArgumentError, Option, type Command } from 'commander'

/** `--tenant <id>`, required (RECSYS_TENANT fills it in). */
export const tenantOption = () =>
  new Option('--tenant <id>', 'tenant id').env('RECSYS_TENANT').makeOptionMandatory()

/** `--reason <text>`: why, kept in the audit log. Required where the API requires it. */
export const reasonOption = (required: boolean) => {
  const o = new Option('--reason <text>', 'why (kept in the audit log)')
  return required ? o.makeOptionMandatory() : o
}

/** `a,b , c` → ['a', 'b', 'c']. */
export const commaList = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)

/** Parses a non-negative integer option value, or fails as a usage error. */
export const int = (v: string) => {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError('expected a non-negative integer')
  return Number(v)
}

/** Appends an Examples section to a command's --help. */
export const examples = (cmd: Command, lines: string[]) =>
  cmd.addHelpText('after', `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`)

/** Repeatable option collector: `--version a --version b,c` → ['a', 'b', 'c']. */
export const collect = (v: string, prev: string[] = []) => [...prev, ...commaList(v)]

/** `--dataset synthetic|movielens:<dir>`; the folder becomes absolute, since the control plane reads it. */
export const datasetOption = () =>
  new Option(
    '--dataset <name>',
    'dataset to learn from: synthetic, movielens:<dir> (ml-latest ratings.csv + movies.csv, or ml-100k u.data + ' +
      "u.item), or log:<dir> (an event log as events export/import write it, with the tenant's catalog)",
  )
    .argParser((v: string) => {
      if (v === 'synthetic') return v
      for (const prefix of ['movielens:', 'log:'])
        if (v.startsWith(prefix) && v.length > prefix.length)
          // The control plane reads the folder: an absolute path, so its working directory does not matter.
          return `${prefix}${path.resolve(v.slice(prefix.length))}`
      throw new InvalidArgumentError('expected synthetic, movielens:<dir> or log:<dir>')
    })
    .default('synthetic')

/** What `--dataset` and its synthetic knobs parse to, and the request body fields they become. */
export interface DatasetOptions {
  dataset: string
  seed?: number
  items?: number
  users?: number
  interactionsPerUser?: number
  split?: 'temporal' | 'random'
  tuneAls?: boolean
}

/** `--dataset` and the synthetic dataset's knobs, on `pipeline run` and `eval` alike. */
export function addDatasetOptions(cmd: Command): Command {
  return cmd
    .addOption(datasetOption())
    .option('--seed <n>', 'random seed of the synthetic dataset', int)
    .option('--items <n>', 'items in the synthetic dataset', int)
    .option('--users <n>', 'users in the synthetic dataset', int)
    .option('--interactions-per-user <n>', 'mean interactions per user (synthetic)', int)
    .addOption(
      new Option(
        '--split <protocol>',
        "evaluation split: temporal (each user's last 5 items) or random (each user's items 75/25, seed 42)",
      ).choices(['temporal', 'random']),
    )
    .option('--tune-als', "search ALS's settings on a validation split of the train side first")
}

/** The pipeline API's dataset fields from {@link addDatasetOptions}' options. */
export const datasetBody = (o: DatasetOptions) => ({
  dataset: o.dataset,
  seed: o.seed,
  items: o.items,
  users: o.users,
  interactions_per_user: o.interactionsPerUser,
  split: o.split,
  tune_als: o.tuneAls,
})
