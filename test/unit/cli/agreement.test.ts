import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { AnnotationStore, NewSpan } from '../../../src/core/annotations/annotationStore';
import type { AgreementReport } from '../../../src/core/agreement/pairwiseAgreement';
import { ROOT } from '../model/fixtures';

/**
 * `sidelight agreement` on a real workspace: real notes of the shipped labelled set, their sidecars written
 * by the annotation store as two (and three) annotators would leave them after a sync.
 */
const CLI = path.join(ROOT, 'dist', 'cli.js');
let ws = '';

interface Row {
  id: string;
  text: string;
  spans: { label: string; start: number; end: number }[];
}
type Gold = { label: string; fragments: [number, number][] };

/** Notes A, B, E are finished (marked done) by both; C by ana only; D by nobody. */
let A: Row, B: Row, C: Row, D: Row, E: Row;
const rel = (r: Row): string => `notes/${r.id}.txt`;
const gold = (r: Row): Gold[] => r.spans.map((s) => ({ label: s.label, fragments: [[s.start, s.end]] }));
/** Ben's version of note A: its last span dropped, its first one a character shorter at the start. */
let benA: Gold[] = [];
let shrunk: Gold;

async function label(author: string, r: Row, spans: NewSpan[], done?: boolean): Promise<void> {
  const store = new AnnotationStore(ws, { author, saveDelayMs: 0 });
  if (spans.length) await store.addSpans(rel(r), r.text, spans);
  if (done !== undefined) await store.setDone(rel(r), done);
  await store.flush();
  store.dispose();
}

before(async () => {
  if (!existsSync(CLI)) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  ws = await fs.mkdtemp(path.join(os.tmpdir(), 'sidelight-agreement-'));
  const rows = (await fs.readFile(path.join(ROOT, 'data', 'notes-labelled', 'dev.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Row);
  // Notes with both labels and no span over another, so that each expected pair below is the only one.
  const plain = rows.filter((r) => {
    const s = [...r.spans].sort((x, y) => x.start - y.start);
    return s.length >= 3 && s.some((x) => x.label === 'ADE') && s.some((x) => x.label === 'DRUG') && s.every((x, i) => i === 0 || s[i - 1].end <= x.start);
  });
  [A, B, C, D, E] = plain;
  await fs.mkdir(path.join(ws, 'notes'));
  for (const r of [A, B, C, D, E]) await fs.writeFile(path.join(ws, rel(r)), r.text);

  const ga = gold(A);
  const [first] = ga;
  assert.ok(first.fragments[0][1] - first.fragments[0][0] >= 2);
  shrunk = { label: first.label, fragments: [[first.fragments[0][0] + 1, first.fragments[0][1]]] };
  benA = [shrunk, ...ga.slice(1, -1)];

  await label('ana', A, ga, true);
  await label('ben', A, benA, true);
  await label('ana', B, gold(B), true);
  await label('ben', B, gold(B), true);
  await label('cy', B, gold(B), true);
  await label('ana', C, gold(C), true);
  await label('ana', D, gold(D));
  await label('ben', D, gold(D));
  // Ben finished E by rejecting the model's one suggestion: he labelled nothing there.
  const [s0] = gold(E);
  await label('ana', E, gold(E), true);
  await label('ben', E, [{ ...s0, source: 'model:sidelight-ade@1', status: 'rejected', score: 0.6 }], true);
});
after(async () => fs.rm(ws, { recursive: true, force: true }));

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, 'agreement', ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const count = (spans: Gold[], labelName: string): number => spans.filter((s) => s.label === labelName).length;

test('agreement --json: per label strict and lenient F1 over the notes both finished, word kappa, notes most disagreement first', () => {
  const r = cli(['--workspace', ws, '--annotators', 'ana,ben', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as AgreementReport;
  assert.deepEqual(report.annotators, ['ana', 'ben']);
  assert.equal(report.pairs.length, 1);
  const [p] = report.pairs;
  assert.deepEqual([p.a, p.b, p.notes], ['ana', 'ben', 3]);
  for (const l of ['ADE', 'DRUG']) {
    // ana: A, B, E as labelled; ben: his A and B. Strict misses the dropped and the shrunk span; lenient the dropped one.
    const a = count(gold(A), l) + count(gold(B), l) + count(gold(E), l);
    const b = count(benA, l) + count(gold(B), l);
    const strict = count(benA, l) - (shrunk.label === l ? 1 : 0) + count(gold(B), l);
    const lenient = count(benA, l) + count(gold(B), l);
    assert.deepEqual(p.labels[l].strict, { matched: strict, a, b, f1: (2 * strict) / (a + b) }, `${l} strict`);
    assert.deepEqual(p.labels[l].lenient, { matched: lenient, a, b, f1: (2 * lenient) / (a + b) }, `${l} lenient`);
  }
  assert.deepEqual(Object.keys(p.labels), ['ADE', 'DRUG']);
  assert.ok(p.overall.kappa !== null && p.overall.kappa > 0 && p.overall.kappa < 1, `kappa ${p.overall.kappa}`);

  const notes = p.byNote.map((n) => n.note);
  assert.deepEqual([...notes].sort(), [rel(A), rel(B), rel(E)].sort(), 'C (ana only) and D (not done) are left out');
  const [last] = p.byNote.slice(-1);
  assert.deepEqual([last.note, last.disagreeingTokens, last.kappa, last.strict.f1], [rel(B), 0, 1, 1]);
  assert.ok(p.byNote[0].disagreeingTokens >= p.byNote[1].disagreeingTokens && p.byNote[1].disagreeingTokens > 0);
  // On E ben said O everywhere: po equals the chance agreement, kappa 0.
  const e = p.byNote.find((n) => n.note === rel(E));
  assert.ok(e && e.kappa !== null && Math.abs(e.kappa) < 1e-12, `E kappa ${e?.kappa}`);
  assert.equal(e.lenient.f1, 0);
  assert.equal(p.tokens, p.byNote.reduce((s, n) => s + n.tokens, 0));
});

test('agreement without --annotators: every pair of those who finished a note; the text report', () => {
  const r = cli(['--workspace', ws]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^ana vs ben: 3 notes finished by both, [\d,]+ words$/m);
  assert.match(r.stdout, /^ana vs cy: 1 note finished by both/m);
  assert.match(r.stdout, /^ben vs cy: 1 note finished by both/m);
  assert.match(r.stdout, /^ {2}all +\d\.\d{3} \(\d+\/\d+\/\d+\)/m);
  assert.match(r.stdout, /word kappa 0\.\d{3} \(observed agreement 0\.\d{3}\)/);
  assert.match(r.stdout, new RegExp(`^ {4}${rel(B).replace(/[.]/g, '\\.')}: 0 of [\\d,]+ words differ, kappa 1\\.000, strict F1 1\\.000`, 'm'));
});

test('agreement: a malformed sidecar is named and left out (exit 1); an unknown annotator or a bad list is a usage error', async () => {
  const broken = path.join(ws, '.sidelight', 'annotations', 'notes', 'broken.txt.json');
  await fs.writeFile(broken, '{"schemaVersion": 1, "note": "notes/broken.txt",');
  try {
    const r = cli(['--workspace', ws, '--annotators', 'ana,ben', '--json']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /broken\.txt\.json/);
    assert.equal((JSON.parse(r.stdout) as AgreementReport).pairs[0].notes, 3);
  } finally {
    await fs.rm(broken);
  }
  const unknown = cli(['--workspace', ws, '--annotators', 'ana,zed']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /"zed" finished no note in this workspace \(annotators who did: ana, ben, cy\)/);
  assert.equal(cli(['--workspace', ws, '--annotators', 'ana']).code, 2);
  assert.equal(cli(['--workspace', ws, '--annotators', 'ana,,ben']).code, 2);
  assert.equal(cli(['--workspace', ws, '--annotators', 'ana,ana']).code, 2);
  assert.equal(cli(['--annotators', 'ana,ben']).code, 2);
});

test('agreement in a workspace where only one annotator finished notes: says so, exit 1', async () => {
  const solo = await fs.mkdtemp(path.join(os.tmpdir(), 'sidelight-agreement-solo-'));
  try {
    await fs.mkdir(path.join(solo, 'notes'));
    await fs.writeFile(path.join(solo, rel(C)), C.text);
    const store = new AnnotationStore(solo, { author: 'ana', saveDelayMs: 0 });
    await store.addSpans(rel(C), C.text, gold(C));
    await store.setDone(rel(C), true);
    await store.flush();
    store.dispose();
    const r = cli(['--workspace', solo]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /only ana finished a note \(of 1 sidecar\); agreement needs two annotators/);
    assert.equal(r.stdout, '');
  } finally {
    await fs.rm(solo, { recursive: true, force: true });
  }
});
