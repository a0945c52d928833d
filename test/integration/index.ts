import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { glob } from 'glob';
import Mocha from 'mocha';
import { guardSuites } from './workspaceGuard';

/**
 * Entry point that VS Code's extension host loads as `extensionTestsPath` (test-electron on desktop,
 * our code-server runner offline). Runs every suite here and reports through the returned promise, and
 * also writes a JSON report where SIDELIGHT_TEST_REPORT says, because code-server's extension host has
 * no stdout that the runner can read.
 */
const ACTIVATION_SUITE = 'activation.test.js';

export async function run(): Promise<void> {
  // SIDELIGHT_IT_GREP runs only the tests whose full title matches (e.g. while working on one suite).
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 60_000, reporter: 'spec', grep: process.env.SIDELIGHT_IT_GREP || undefined });
  // SIDELIGHT_IT_ORDER=reverse runs the suites last to first: no suite may depend on another having run.
  // Except activation's, always first: it watches the extension start, before any note was opened.
  const files = (await glob('**/*.test.js', { cwd: __dirname })).sort();
  if (process.env.SIDELIGHT_IT_ORDER === 'reverse') files.reverse();
  files.sort((a, b) => Number(b === ACTIVATION_SUITE) - Number(a === ACTIVATION_SUITE));
  for (const f of files) mocha.addFile(path.resolve(__dirname, f));
  // Every suite gets the check that it leaves the workspace as it found it, once its file has added its
  // own hooks (the check must run after its suiteTeardown).
  const work = process.env.SIDELIGHT_TEST_WORK;
  if (work) {
    const guard = await guardSuites(work);
    mocha.suite.on(Mocha.Suite.constants.EVENT_FILE_POST_REQUIRE, () => guard(mocha.suite));
  }
  const report = { passed: 0, failed: 0, pending: 0, tests: [] as { title: string; state: string; error?: string; ms?: number }[] };
  await new Promise<void>((resolve, reject) => {
    const runner = mocha.run((failures) => {
      writeReport(report)
        .catch(() => undefined)
        .finally(() => (failures > 0 ? reject(new Error(`${failures} integration test(s) failed`)) : resolve()));
    });
    runner.on('pass', (t) => {
      report.passed++;
      report.tests.push({ title: t.fullTitle(), state: 'passed', ms: t.duration });
    });
    runner.on('fail', (t, err: Error) => {
      report.failed++;
      report.tests.push({ title: t.fullTitle(), state: 'failed', error: `${err.message}\n${err.stack ?? ''}` });
    });
    runner.on('pending', (t) => {
      report.pending++;
      report.tests.push({ title: t.fullTitle(), state: 'pending' });
    });
  });
}

async function writeReport(report: object): Promise<void> {
  const file = process.env.SIDELIGHT_TEST_REPORT;
  if (file) await fs.writeFile(file, JSON.stringify(report, null, 2));
}
