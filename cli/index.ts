#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { EXIT } from '../core/errors';
import { registerConnectorCommands } from './commands/connectors';
import { registerMatching } from './commands/dedupe';
import { registerDemo } from './commands/demo';
import { registerLookup } from './commands/lookup';
import { registerMcp } from './commands/mcp';
import { registerReconcile } from './commands/reconcile';
import { registerReport } from './commands/report';
import { registerSandbox } from './commands/sandbox';
import { registerServe } from './commands/serve';
import { registerSuggestMapping } from './commands/suggest-mapping';
import { registerSync } from './commands/sync';
import { registerReview } from './commands/review';
import { registerApply } from './commands/apply';
import { registerMirror } from './commands/mirror';
import { printJson } from './print-json';
import { VERSION } from '../core/version';

export function buildProgram(): Command {
  const program = new Command('crm-bridge')
    .description(
      'Keep several CRMs in agreement: reconcile a legacy export against a CRM mirror, look records up by legacy ID.',
    )
    .version(VERSION)
    .option('--db <url>', 'PostgreSQL URL (default: $DATABASE_URL, else the embedded database)')
    .option('--home <dir>', 'data folder of the embedded database (default: $CRM_BRIDGE_HOME or ./.crm-bridge)')
    .option('--mapping <file>', 'property mapping config (JSON); default: the built-in legacy -> HubSpot mapping')
    .option('--json', 'machine-readable JSON on stdout, no progress output')
    .showHelpAfterError()
    // Every subcommand's --help lists --db, --home, --mapping and --json too.
    .configureHelp({ showGlobalOptions: true })
    .exitOverride();
  registerDemo(program);
  registerReconcile(program);
  registerLookup(program);
  registerReview(program);
  registerApply(program);
  registerMirror(program);
  registerSuggestMapping(program);
  registerMatching(program);
  registerConnectorCommands(program);
  registerSandbox(program);
  registerServe(program);
  registerSync(program);
  registerMcp(program);
  registerReport(program);
  return program;
}

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here with exit code 0; usage mistakes get the usage code, and with --json
      // the same envelope as every other failure (commander has already explained on stderr).
      if (error.exitCode !== 0 && process.argv.includes('--json')) {
        printJson({ ok: false, error: { kind: 'usage', message: error.message.replace(/^error: /, '') } });
      }
      process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    throw error;
  }
}

if (require.main === module) {
  // `crm-bridge read … | head` closes the pipe early: that is the reader being done, not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  void main();
}
