#!/usr/bin/env -S node --max-semi-space-size=4 --v8-pool-size=1
// A small young generation: credwatch holds little short-lived data, and the default 16 MB
// semi-spaces were a third of the peak memory of a 10,000-credential check (bench/certs.ts).
// One V8 helper thread instead of four: each helper keeps its own malloc arena (about 1.5 MB each
// in an idle daemon, 4 MB idle RSS in all, 10 to 30 MB of peak), and credwatch's work is on the
// main thread anyway; a cold 500-probe `check` measured no more CPU with one.
// Entry point: parses the command line and hands over to src/commands/. No logic of its own.
import { Command, CommanderError, Option } from 'commander';
import { EXIT, UsageError } from './commands/common.js';
import { version } from './version.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];
const configOption = () => new Option('-c, --config <file>', 'config file (default: $CREDWATCH_CONFIG, else ./credwatch.yaml)');

function finish(code: number): void {
  process.exitCode = code;
}

function buildProgram(): Command {
  const program = new Command('credwatch')
    .description('Watches certificates, API projects and tokens; warns early, exactly once, and proves each credential still works.')
    .version(version(), '-V, --version', 'print the version and exit')
    .exitOverride()
    .showHelpAfterError();

  program
    .command('check')
    .description('run one cycle now: inspect, probe, evaluate, record; exit 0 ok, 1 warning, 2 worse, 3 bad config')
    .addOption(configOption())
    .option('--json', 'print the result JSON alone on stdout (same as --format json)')
    .option('--format <format>', 'table (default), json, or nagios (one status line with perfdata)')
    .option('--only <id>', 'check only this credential (repeatable)', collect)
    .option('--at <iso>', 'evaluate as of this instant instead of now')
    .option('--no-probe', 'skip live probes')
    .option('--notify', 'run the alert state machine and deliver notifications before exiting')
    .action(async (opts) => finish(await (await import('./commands/check.js')).checkCommand(opts)));

  program
    .command('validate')
    .description('load and lint the config without touching the network; exit 0, or 3 listing every problem')
    .addOption(configOption())
    .action(async (opts) => finish((await import('./commands/validate.js')).validateCommand(opts)));

  program
    .command('status')
    .description('print the last recorded result of each credential')
    .addOption(configOption())
    .option('--json', 'print the result JSON alone on stdout (same as --format json)')
    .option('--format <format>', 'table (default), json, or nagios (one status line with perfdata)')
    .option('--only <id>', 'only this credential (repeatable)', collect)
    .action(async (opts) => finish((await import('./commands/status.js')).statusCommand(opts)));

  program
    .command('plan')
    .description('each credential\'s renewal as dated steps (create successor, verify, switch, retire) from the last recorded results; no network; exit 0, or 3 on bad config')
    .addOption(configOption())
    .option('--json', 'print the plan JSON alone on stdout')
    .option('--only <id>', 'plan only this credential (repeatable)', collect)
    .option('--at <iso>', 'judge done and overdue steps as of this instant instead of now')
    .action(async (opts) => finish((await import('./commands/plan.js')).planCommand(opts)));

  program
    .command('history')
    .description('what was recorded for one credential, oldest first')
    .argument('<id>', 'the credential\'s id')
    .addOption(configOption())
    .option('--days <n>', 'how far back, in days (default 30)')
    .option('--json', 'print JSON alone on stdout')
    .action(async (id: string, opts) => finish((await import('./commands/history.js')).historyCommand(id, opts)));

  program
    .command('init')
    .description('write a commented starter config (and its JSON Schema); never overwrites; exit 0, or 3 if the file exists')
    .addOption(configOption())
    .action(async (opts) => finish((await import('./commands/init.js')).initCommand(opts)));

  program
    .command('schema')
    .description('print the config file\'s JSON Schema (for editors: yaml-language-server)')
    .action(async () => finish((await import('./commands/schema.js')).schemaCommand()));

  program
    .command('notify')
    .description('notification tools')
    .command('test')
    .description('send a test event through one notifier; exit 0 delivered, 2 delivery failed, 3 unknown notifier or bad config')
    .argument('<name>', 'the notifier\'s name in the config')
    .addOption(configOption())
    .action(async (name: string, opts) => finish(await (await import('./commands/notify.js')).notifyTestCommand(name, opts)));

  program
    .command('ack')
    .description('acknowledge a credential\'s active alert: reminders stop until a new firing, an escalation, resolution or --until; exit 0, 3 unknown id or no active alert')
    .argument('<id>', 'the credential id')
    .addOption(configOption())
    .option('--until <date>', 'end the acknowledgement at this date or instant')
    .option('--note <text>', 'what is being done (shown with the alert)')
    .option('--by <name>', 'who acknowledges (default: $USER)')
    .action(async (id: string, opts) => finish((await import('./commands/ack.js')).ackCommand(id, opts)));

  program
    .command('unack')
    .description('end a credential\'s acknowledgement; exit 0, 3 unknown id or not acknowledged')
    .argument('<id>', 'the credential id')
    .addOption(configOption())
    .action(async (id: string, opts) => finish((await import('./commands/ack.js')).unackCommand(id, opts)));

  program
    .command('run')
    .description('the daemon: checks on schedule.check, serves /healthz, /status, /metrics and a status page; SIGHUP reloads, SIGTERM stops')
    .addOption(configOption())
    .action(async (opts) => finish(await (await import('./commands/run.js')).runCommand(opts)));

  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; every other parse problem is a usage error.
      process.exitCode = err.exitCode === 0 ? 0 : EXIT.usage;
      return;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`credwatch: ${err.message}\n`);
      process.exitCode = EXIT.usage;
      return;
    }
    const code = (err as { code?: unknown })?.code;
    if (code === 'store_error' || (typeof code === 'string' && code.startsWith('SQLITE_'))) {
      // Storage faults are the operator's to fix: one line naming the file and the problem, no stack.
      const { describeStoreFailure } = await import('./store/db.js');
      process.stderr.write(`credwatch: ${code === 'store_error' ? (err as Error).message : `database ${describeStoreFailure(err)}`}\n`);
      process.exitCode = EXIT.usage;
      return;
    }
    process.stderr.write(`credwatch: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = EXIT.critical;
  }
}

void main(process.argv);
