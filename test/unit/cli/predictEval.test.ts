import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { sha256Hex } from '../../../src/core/fs/sha256';
import { ECHO_ARGMAX, ROOT } from '../model/fixtures';

/** The CLI as users run it: the esbuild bundle (the test script builds it first; built here if missing). */
const CLI = path.join(ROOT, 'dist', 'cli.js');
let tmp = '';

before(async () => {
  if (!existsSync(CLI)) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'sidelight-cli-'));
});
after(async () => fs.rm(tmp, { recursive: true, force: true }));

function cli(args: string[], cwd = tmp) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const rows = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { id?: string; file?: string; text: string; spans: { label: string; start: number; end: number; text: string; score: number }[] });

test('predict FILE…: one row per readable file; an unreadable one is reported and the exit code is 1', async () => {
  await fs.writeFile(path.join(tmp, 'a.txt'), 'Rash caused by amoxicillin.\r\nSevere headache.');
  await fs.writeFile(path.join(tmp, 'b.txt'), 'No findings.');
  const r = cli(['predict', '--model', ECHO_ARGMAX, 'a.txt', 'missing.txt', 'b.txt']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /missing\.txt: not found/);
  const out = rows(r.stdout);
  assert.deepEqual(
    out.map((x) => x.file),
    ['a.txt', 'b.txt'],
  );
  assert.deepEqual(
    out[0].spans.map((s) => [s.label, s.start, s.end, s.text]),
    [
      ['ADE', 0, 4, 'Rash'],
      ['DRUG', 15, 26, 'amoxicillin'],
      ['ADE', 29, 44, 'Severe headache'],
    ],
  );
  for (const s of out[0].spans) assert.ok(s.score > 0.9 && s.score <= 1);
  assert.deepEqual(out[1].spans, []);
  const ok = cli(['predict', '--model', ECHO_ARGMAX, '--threshold', '0.5', 'b.txt']);
  assert.equal(ok.code, 0, ok.stderr);
});

test('predict --jsonl: rows keep their id or file; a bad row is reported with its line, the rest still run', async () => {
  const input = path.join(tmp, 'in.jsonl');
  await fs.writeFile(
    input,
    [JSON.stringify({ id: 'n1', text: 'nausea from ibuprofen' }), '{"id": "broken"', JSON.stringify({ file: 'notes/x.txt', text: 'café 😀', spans: [] })].join('\n'),
  );
  const r = cli(['predict', '--model', ECHO_ARGMAX, '--jsonl', input]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /in\.jsonl:2: not valid JSON/);
  const out = rows(r.stdout);
  assert.deepEqual(
    out.map((x) => x.id ?? x.file),
    ['n1', 'notes/x.txt'],
  );
  assert.deepEqual(
    out[0].spans.map((s) => [s.label, s.text]),
    [
      ['ADE', 'nausea'],
      ['DRUG', 'ibuprofen'],
    ],
  );
  assert.deepEqual(
    out[1].spans.map((s) => [s.label, s.start, s.end]),
    [
      ['ADE', 0, 4],
      ['DRUG', 5, 7],
    ],
  );
});

test('eval --gold --json: strict and lenient per label on the last line', async () => {
  const gold = path.join(tmp, 'gold.jsonl');
  const text = 'Rash caused by amoxicillin and severe headache.';
  // Gold: the rash (found exactly), "headache" (the model says "severe headache": lenient only) and a
  // drug the model misses ("caused"); the model's "amoxicillin" DRUG is then spurious.
  const spans = [
    { label: 'ADE', start: 0, end: 4 },
    { label: 'ADE', start: 38, end: 46 },
    { label: 'DRUG', start: 5, end: 11 },
  ];
  await fs.writeFile(gold, JSON.stringify({ id: 'g1', text, spans }) + '\n');
  const r = cli(['eval', '--gold', gold, '--model', ECHO_ARGMAX, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.match(r.stdout, /strict/);
  const json = JSON.parse(lines[lines.length - 1]) as { labels: Record<string, { strict: Record<string, number>; lenient: Record<string, number> }> };
  assert.deepEqual(json.labels.ADE.strict, { p: 0.5, r: 0.5, f1: 0.5 });
  assert.deepEqual(json.labels.ADE.lenient, { p: 1, r: 1, f1: 1 });
  assert.deepEqual(json.labels.DRUG.strict, { p: 0, r: 0, f1: 0 });
});

test('--workspace uses the model pinned in .sidelight/model.lock', async () => {
  const ws = path.join(tmp, 'ws');
  const pinned = path.join(ws, '.sidelight', 'models', 'echo', '1.0.0');
  await fs.cp(ECHO_ARGMAX, pinned, { recursive: true });
  const manifestSha256 = sha256Hex(readFileSync(path.join(pinned, 'manifest.json')));
  await fs.writeFile(path.join(ws, '.sidelight', 'model.lock'), JSON.stringify({ name: 'echo', version: '1.0.0', manifestSha256 }));
  await fs.mkdir(path.join(ws, 'notes'));
  await fs.writeFile(path.join(ws, 'notes', 'n.txt'), 'rash');
  const r = cli(['predict', '--workspace', ws, path.join(ws, 'notes', 'n.txt')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /model argmax@1\.0\.0/);
  assert.equal(rows(r.stdout)[0].file, 'notes/n.txt', 'file is relative to the workspace');
});

test('a model that cannot be loaded is one clear error; usage errors exit 2; --version and --help', () => {
  const bad = cli(['predict', '--model', path.join(tmp, 'nope'), 'x.txt']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /nope: model folder not found/);
  assert.equal(cli(['predict', '--threshold', '2', 'x.txt']).code, 2);
  assert.equal(cli(['frobnicate']).code, 2);
  assert.equal(cli(['eval']).code, 2);
  const v = cli(['--version']);
  assert.equal(v.stdout.trim(), JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
  assert.match(cli(['--help']).stdout, /predict[\s\S]*eval/);
  assert.match(cli(['predict', '--help']).stdout, /--jsonl FILE/);
});

test('eval with gold relations: the caused_by suggestion scored given the gold spans (hand-computed) and end to end; a bad relation index names its line', async () => {
  const row = (id: string, text: string, spans: [string, string][], relations: [number, number][]) => {
    const s = spans.map(([label, word]) => ({ label, start: text.indexOf(word), end: text.indexOf(word) + word.length, text: word }));
    return JSON.stringify({ id, text, spans: s, relations: relations.map(([from, to]) => ({ label: 'caused_by', from, to })) });
  };
  // Row 1: the nearest drug is the gold one (a hit). Row 2: the gold links the farther drug, the suggestion
  // the nearer one (a miss and a false alarm). Given the gold spans: 1 of 2 predicted, 1 of 2 gold.
  const gold = path.join(tmp, 'relations-gold.jsonl');
  await fs.writeFile(
    gold,
    [
      row('r1', 'Lisinopril caused a cough.', [['DRUG', 'Lisinopril'], ['ADE', 'cough']], [[1, 0]]),
      row('r2', 'After heparin, thrombocytopenia developed while on aspirin.', [['DRUG', 'heparin'], ['ADE', 'thrombocytopenia'], ['DRUG', 'aspirin']], [[1, 2]]),
    ].join('\n') + '\n',
  );
  const r = cli(['eval', '--gold', gold, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /relations \(caused_by\)/);
  const json = JSON.parse(r.stdout.trim().split('\n').pop()!) as { relations: { givenGoldSpans: Record<string, number>; endToEnd: Record<string, number> } };
  assert.deepEqual(json.relations.givenGoldSpans, { p: 0.5, r: 0.5, f1: 0.5, gold: 2, predicted: 2 });
  assert.equal(json.relations.endToEnd.gold, 2);
  assert.ok(json.relations.endToEnd.f1 >= 0 && json.relations.endToEnd.f1 <= 1);

  const bad = path.join(tmp, 'relations-bad.jsonl');
  await fs.writeFile(bad, row('b1', 'Lisinopril caused a cough.', [['DRUG', 'Lisinopril'], ['ADE', 'cough']], [[1, 2]]) + '\n');
  const refused = cli(['eval', '--gold', bad]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /relations-bad\.jsonl:1: relations\[0\]: "to" must be the index of one of the row's 2 spans, not 2/);
});

test('eval with gold assertions: the context rules\' assertion per value (hand-computed) and its accuracy; a bad attribute names its line', async () => {
  // Three gold spans with an assertion: "nausea" absent (the rules say absent: hit), "rash" present (hit),
  // "bleeding" possible (the rules say present: a miss of possible, a false positive of present).
  const text = 'She denies nausea. A rash followed amoxicillin. Bleeding may have been from warfarin.';
  const at = (w: string, label: string, assertion?: string) => ({ label, start: text.indexOf(w), end: text.indexOf(w) + w.length, ...(assertion ? { attributes: { assertion } } : {}) });
  const gold = path.join(tmp, 'assertions-gold.jsonl');
  await fs.writeFile(gold, JSON.stringify({ id: 'a1', text, spans: [at('nausea', 'ADE', 'absent'), at('rash', 'ADE', 'present'), at('amoxicillin', 'DRUG'), at('Bleeding', 'ADE', 'possible')] }) + '\n');
  const r = cli(['eval', '--gold', gold, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /assertion \(context rules\)/);
  assert.match(r.stdout, /accuracy over the 3 gold spans with an assertion: 66\.7%/);
  const json = JSON.parse(r.stdout.trim().split('\n').pop()!) as { attributes: { assertion: { spans: number; accuracy: number; values: Record<string, Record<string, number>> } } };
  assert.equal(json.attributes.assertion.spans, 3);
  assert.deepEqual(json.attributes.assertion.values.absent, { p: 1, r: 1, f1: 1, gold: 1, predicted: 1 });
  assert.deepEqual(json.attributes.assertion.values.present, { p: 0.5, r: 1, f1: 0.6667, gold: 1, predicted: 2 });
  assert.deepEqual(json.attributes.assertion.values.possible, { p: 0, r: 0, f1: 0, gold: 1, predicted: 0 });

  const bad = path.join(tmp, 'assertions-bad.jsonl');
  await fs.writeFile(bad, JSON.stringify({ id: 'b', text, spans: [{ ...at('nausea', 'ADE'), attributes: { assertion: '' } }] }) + '\n');
  const refused = cli(['eval', '--gold', bad]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /assertions-bad\.jsonl:1: spans\[0\]: attribute "assertion": the value must be a non-empty string/);
});
