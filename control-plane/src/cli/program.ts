import { Command, Option, type OutputConfiguration } from 'commander'
import { artifactCommands } from './artifact'
import { auditCommand } from './audit'
import { catalogCommands } from './catalog'
import { evalCommand } from './eval'
import { eventsCommands } from './events'
import { itemCommands } from './item'
import { keyCommands } from './key'
import { killSwitchCommands } from './kill-switch'
import { operatorCommands } from './operator'
import { pipelineCommands } from './pipeline'
import { releaseCommands } from './release'
import { serveCommand } from './serve'
import { tenantCommands } from './tenant'

export const DEFAULT_API = 'http://127.0.0.1:8788'

/**
 * The `recsys` program (docs/control-plane.md#recsys-cli). Global options are read anywhere on the line, so
 * `recsys tenant list --json` and `recsys --json tenant list` are the same.
 * @note Settings are set before the groups are added: commander copies them into each subcommand it creates.
 */
export function buildProgram(output?: OutputConfiguration): Command {
  const program = new Command('recsys')
    .description(
      "Operate the recommendation platform through the control plane's operator API.\n" +
        'Every command takes --json and then prints exactly one JSON document on stdout.',
    )
    .addOption(
      new Option('--api <url>', 'operator API base URL').env('RECSYS_API_URL').default(DEFAULT_API),
    )
    .addOption(
      new Option('--token <token>', 'operator token (default: the file .data/operator-token)').env(
        'RECSYS_TOKEN',
      ),
    )
    .option('--json', 'print one JSON document on stdout (errors: the error envelope)')
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
  if (output) program.configureOutput(output)

  tenantCommands(program)
  keyCommands(program)
  catalogCommands(program)
  artifactCommands(program)
  releaseCommands(program)
  pipelineCommands(program)
  evalCommand(program)
  eventsCommands(program)
  killSwitchCommands(program)
  itemCommands(program)
  auditCommand(program)
  operatorCommands(program)
  serveCommand(program)

  program.addHelpText(
    'after',
    `
Examples:
  $ npx recsys serve                                   # the control plane on ${DEFAULT_API}
  $ npx recsys tenant create acme --json
  $ npx recsys pipeline run --tenant acme --publish --reason "first release"
  $ npx recsys kill-switch engage edge.scorer --reason "scorer p99 over budget"

Exit codes: 0 ok, 1 the API refused or failed, 2 usage, 3 recorded but not pushed to Upstash (run the sync).`,
  )
  return program
}
