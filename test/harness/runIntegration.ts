import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { glob } from 'glob';
import { launchBrowser } from './browser';
import { startCodeServer, testRunUrl } from './codeServer';
import { demoDir, repoRoot } from './paths';

/**
 * Runs the integration suites (out/test/integration) inside code-server's real extension host, the way
 * @vscode/test-electron does on desktop: the workbench URL carries `extensionDevelopmentPath` and
 * `extensionTestsPath`, and the page's `codeAutomationExit` receives the exit code.
 */
interface Report {
  passed: number;
  failed: number;
  pending: number;
  tests: { title: string; state: string; error?: string; ms?: number }[];
}

async function main(): Promise<number> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'sidelight-it-'));
  const folder = path.join(work, 'workspace');
  await fs.cp(path.join(demoDir, 'workspace'), folder, { recursive: true });
  await fs.cp(path.join(demoDir, 'remote'), path.join(work, 'remote'), { recursive: true });
  const reportFile = path.join(work, 'report.json');
  const server = await startCodeServer({ folder, env: { SIDELIGHT_TEST_REPORT: reportFile, SIDELIGHT_TEST_WORK: work } });
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    const exitCode = new Promise<number>((resolve) => {
      void page.exposeFunction('codeAutomationExit', (code: number) => resolve(code));
    });
    await page.goto(testRunUrl(server, folder, repoRoot, path.join(repoRoot, 'out/test/integration/index.js')));
    const timeoutMs = Number(process.env.SIDELIGHT_IT_TIMEOUT ?? 15 * 60_000);
    const code = await Promise.race([
      exitCode,
      new Promise<number>((_, reject) => setTimeout(() => reject(new Error(`integration run did not finish in ${timeoutMs} ms`)), timeoutMs)),
    ]);
    const report = await readReport(reportFile);
    if (!report) {
      console.error(`integration: no report was written (exit code ${code}); code-server said:\n${server.output()}`);
      return 1;
    }
    for (const t of report.tests) {
      const mark = t.state === 'passed' ? '✔' : t.state === 'failed' ? '✘' : '-';
      console.log(`  ${mark} ${t.title}${t.ms !== undefined ? ` (${t.ms} ms)` : ''}`);
      if (t.error) console.log(`      ${t.error.split('\n').join('\n      ')}`);
    }
    console.log(`integration: ${report.passed} passed, ${report.failed} failed${report.pending ? `, ${report.pending} skipped` : ''}`);
    if (report.failed) await printExtensionLog(server.userDataDir);
    return code === 0 && report.failed === 0 && report.passed > 0 ? 0 : 1;
  } finally {
    await browser.close();
    await server.stop();
    await fs.rm(work, { recursive: true, force: true });
  }
}

/** The extension's own log (its "Sidelight" output channel) from a failed run: CI keeps nothing else of it. */
async function printExtensionLog(userDataDir: string): Promise<void> {
  for (const file of await glob('logs/**/*Sidelight.log', { cwd: userDataDir, absolute: true })) {
    console.log(`--- ${path.basename(file)} ---\n${await fs.readFile(file, 'utf8')}`);
  }
}

async function readReport(file: string): Promise<Report | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as Report;
  } catch {
    return undefined;
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
