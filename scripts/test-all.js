#!/usr/bin/env node
// `npm test`: every test layer in order — unit (node --test, no VS Code), integration (mocha inside
// code-server's extension host), e2e (Chromium driving code-server with the packaged .vsix), spark (the
// Spark job in local mode against moto) — then one closing line with the totals. Any failing layer fails the run.
const { spawn } = require('node:child_process');

const layers = [
  { name: 'build', cmd: 'npm run --silent build' },
  { name: 'unit', cmd: 'npm run --silent test:unit' },
  { name: 'integration', cmd: 'npm run --silent test:integration' },
  { name: 'e2e', cmd: 'npm run --silent test:e2e' },
  // PySpark local mode against moto (scripts/setup.sh runs scripts/setup-spark.sh): docs/spark.md.
  { name: 'spark', cmd: 'npm run --silent test:spark' },
];

function run(cmd) {
  return new Promise((resolve) => {
    let out = '';
    const child = spawn(cmd, { shell: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => {
      out += d;
      process.stdout.write(d);
    });
    child.stderr.on('data', (d) => process.stderr.write(d));
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

/** Reads node --test's `# pass N` / `# fail N` or our runner's `name: N passed, N failed`. */
function counts(out) {
  const tap = { pass: /^# pass (\d+)$/m.exec(out), fail: /^# fail (\d+)$/m.exec(out), skip: /^# skipped (\d+)$/m.exec(out) };
  if (tap.pass) return { passed: +tap.pass[1], failed: +(tap.fail?.[1] ?? 0), skipped: +(tap.skip?.[1] ?? 0) };
  const m = /(\d+) passed, (\d+) failed(?:, (\d+) skipped)?/.exec(out);
  return m ? { passed: +m[1], failed: +m[2], skipped: +(m[3] ?? 0) } : undefined;
}

(async () => {
  const only = process.argv.slice(2);
  const summary = [];
  let ok = true;
  for (const layer of layers) {
    if (only.length && !only.includes(layer.name) && layer.name !== 'build') continue;
    console.log(`\n=== ${layer.name}: ${layer.cmd}`);
    const { code, out } = await run(layer.cmd);
    const c = counts(out);
    if (code !== 0) ok = false;
    if (layer.name !== 'build') {
      if (!c || c.passed === 0) ok = false;
      summary.push({ layer: layer.name, code, ...(c ?? { passed: 0, failed: 0, skipped: 0 }) });
    } else if (code !== 0) {
      break;
    }
  }
  console.log('\n=== summary');
  let passed = 0, failed = 0, skipped = 0;
  for (const s of summary) {
    console.log(`${s.layer}: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped (exit ${s.code})`);
    passed += s.passed;
    failed += s.failed;
    skipped += s.skipped;
  }
  if (!ok && failed === 0) failed = 1; // a layer that crashed before counting still fails the run
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exit(ok ? 0 : 1);
})();
