// A real fault for the Spark test: stands in for the `sidelight` command (the job's --cli) and runs the real
// CLI under it, but the first `predict` process of the whole run (whichever partition gets it) dies after
// answering FLAKY_AFTER rows, as a crashed or killed executor process would. Later ones pass through.
// Usage: node out/test/spark/flakyCli.js MARKER_FILE REAL_CLI_JS ARGS…
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as readline from 'node:readline';

const [marker, realCli, ...args] = process.argv.slice(2);
const after = Number(process.env.FLAKY_AFTER ?? 3);
let fail = false;
if (args[0] === 'predict') {
  try {
    fs.closeSync(fs.openSync(marker, 'wx')); // exclusive create: exactly one process ever fails
    fail = true;
  } catch {
    // already failed once
  }
}
const child = spawn(process.execPath, [realCli, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
process.stdin.pipe(child.stdin);
child.stdin.on('error', () => {});
if (!fail) {
  child.stdout.pipe(process.stdout);
  child.on('exit', (code) => (process.exitCode = code ?? 1));
} else {
  let n = 0;
  readline.createInterface({ input: child.stdout }).on('line', (l) => {
    if (n++ < after) {
      process.stdout.write(l + '\n');
      return;
    }
    process.stderr.write(`flaky-cli: dying after ${after} rows\n`);
    child.kill('SIGKILL');
    process.exit(3);
  });
  child.on('exit', () => process.exit(3));
}
