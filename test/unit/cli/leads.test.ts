import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { ECHO_ARGMAX, ROOT } from '../model/fixtures';

/** The CLI as users run it: the esbuild bundle (the test script builds it first; built here if missing). */
const CLI = path.join(ROOT, 'dist', 'cli.js');
let tmp = '';

before(async () => {
  if (!existsSync(CLI)) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'sidelight-leads-'));
  await fs.writeFile(path.join(tmp, 'predicted.txt'), 'Rash caused by amoxicillin.');
  // The echo model names the drug but no effect here: only the causal sentence after it is a lead.
  await fs.writeFile(path.join(tmp, 'cue.txt'), 'Started amoxicillin last week.\nIt caused trouble sleeping.');
  await fs.writeFile(path.join(tmp, 'plain.txt'), 'No findings.');
  await fs.writeFile(path.join(tmp, 'risk.txt'), 'We discussed the risks of ibuprofen, which may cause bleeding.');
});
after(async () => fs.rm(tmp, { recursive: true, force: true }));

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, 'leads', ...args], { cwd: tmp, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Row {
  file: string;
  score: number;
  predicted: number;
  cueSentences: number;
  leads: { kind: string; start: number; end: number; text: string; cue?: string }[];
}

test('leads: notes with a lead, most likely first; notes without one (or only a risk sentence) are left out', () => {
  const r = cli(['--model', ECHO_ARGMAX, 'plain.txt', 'cue.txt', 'risk.txt', 'predicted.txt']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.deepEqual(
    lines.map((l) => l.trim().split(/\s+/).at(-1)),
    ['predicted.txt', 'cue.txt'],
  );
  assert.match(lines[1], /0 predicted\s+1 to check/);
  assert.match(r.stderr, /2 of 4 notes listed/);
});

test('leads --json: each lead with its offsets and the text they cut from the note; --top keeps the first N', async () => {
  const r = cli(['--model', ECHO_ARGMAX, '--json', 'cue.txt', 'predicted.txt']);
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Row);
  assert.deepEqual(
    rows.map((x) => [x.file, x.predicted, x.cueSentences]),
    [
      ['predicted.txt', 1, 0],
      ['cue.txt', 0, 1],
    ],
  );
  for (const row of rows) {
    const text = await fs.readFile(path.join(tmp, row.file), 'utf8');
    for (const l of row.leads) assert.equal(text.slice(l.start, l.end), l.text);
  }
  assert.deepEqual(rows[0].leads.map((l) => [l.kind, l.text]), [['predicted', 'Rash']]);
  assert.deepEqual(rows[1].leads.map((l) => [l.kind, l.text, l.cue]), [['cue', 'It caused trouble sleeping.', 'caused']]);
  const top = cli(['--model', ECHO_ARGMAX, '--json', '--top', '1', 'cue.txt', 'predicted.txt']);
  assert.deepEqual(
    top.stdout.trim().split('\n').map((l) => (JSON.parse(l) as Row).file),
    ['predicted.txt'],
  );
});

test('leads: an unreadable file or a folder is reported by name and the exit code is 1; the others are still ranked', () => {
  const r = cli(['--model', ECHO_ARGMAX, 'missing.txt', '.', 'predicted.txt']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /missing\.txt: not found/);
  assert.match(r.stderr, /\.: is a folder/);
  assert.match(r.stdout, /predicted\.txt/);
});

test('leads: no file or a bad --top is a usage error (exit 2) that prints the usage', () => {
  for (const args of [['--model', ECHO_ARGMAX], ['--top', '0', 'predicted.txt'], ['--top', '1.5', 'predicted.txt']]) {
    const r = cli(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, /Usage: sidelight leads/);
  }
});
