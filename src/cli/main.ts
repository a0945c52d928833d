import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { errorMessage } from '../core/errors';
import { packageRoot } from '../core/model/defaultModel';
import { agreementCommand } from './agreementCommand';
import { CliIO, Command, UsageError } from './args';
import { evalCommand } from './evalCommand';
import { exportCommand } from './exportCommand';
import { importCommand } from './importCommand';
import { leadsCommand } from './leadsCommand';
import { modelCommand } from './modelCommand';
import { predictCommand } from './predictCommand';
import { statusCommand } from './statusCommand';
import { syncCommand } from './syncCommand';
import { trainCommand } from './trainCommand';

/**
 * The `sidelight` CLI: a small dispatcher over one module per command. To add a command, write a
 * `Command` in its own file and list it here.
 */
export const COMMANDS: Command[] = [predictCommand, leadsCommand, evalCommand, importCommand, exportCommand, syncCommand, statusCommand, modelCommand, trainCommand, agreementCommand];

function version(): string {
  try {
    return (JSON.parse(readFileSync(path.join(packageRoot(__dirname), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function help(): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return `Usage: sidelight <command> [options]

Sidelight: medication side-effect highlighting, labelling and model/annotation sync, headless.

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(w)}${c.summary}`).join('\n')}

Options:
  -h, --help     this help (sidelight <command> --help for a command's options)
  -v, --version  the version

Exit codes: 0 success, 1 an input or model could not be used (reported on stderr), 2 a usage error,
130 cancelled.`;
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    io.stdout.write(help() + '\n');
    return first === undefined ? 2 : 0;
  }
  if (first === '-v' || first === '--version') {
    io.stdout.write(version() + '\n');
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (!command) {
    io.stderr.write(`sidelight: unknown command ${JSON.stringify(first)}\n\n${help()}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(command.usage + '\n');
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`sidelight ${command.name}: ${e.message}\n\n${command.usage}\n`);
      return 2;
    }
    io.stderr.write(`sidelight ${command.name}: ${errorMessage(e)}\n`);
    return 1;
  }
}

if (require.main === module) {
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort(new Error('cancelled')));
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, signal: controller.signal }).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`sidelight: ${errorMessage(e)}\n`);
      process.exitCode = 1;
    },
  );
}
