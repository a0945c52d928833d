import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { sha256 } from '../../../src/core/annotations/sidecar';
import { span } from '../annotations/helpers';
import { ROOT } from '../model/fixtures';

/**
 * Hostile and broken input through the built CLI (issue 12, part 4): sidecars whose offsets do not fit
 * their note, a note with a byte order mark, imports that fail half-way.
 */
const CLI = path.join(ROOT, 'dist', 'cli.js');
const TEXT = 'Allergies: penicillin causes skin rash.\nTakes lisinopril daily.\n';
let tmp = '';

before(async () => {
  if (!existsSync(CLI)) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'sidelight-cli-hostile-'));
});
after(async () => fs.rm(tmp, { recursive: true, force: true }));

/** The CLI with a time limit: an export that loops over billions of offsets fails the test instead of hanging it. */
function cli(args: string[], options: { input?: string } = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 20_000, input: options.input });
  assert.equal(r.signal, null, `the CLI was killed after 20 s (${r.signal}): ${args.join(' ')}`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let wsCount = 0;
async function workspace(notes: Record<string, string>): Promise<string> {
  const ws = path.join(tmp, `ws-${++wsCount}`);
  for (const [rel, text] of Object.entries(notes)) {
    await fs.mkdir(path.dirname(path.join(ws, rel)), { recursive: true });
    await fs.writeFile(path.join(ws, rel), text);
  }
  await fs.mkdir(path.join(ws, '.sidelight'), { recursive: true });
  return ws;
}

/** A sidecar written as-is (raw JSON), so that it can hold what the store would never write. */
async function writeRawSidecar(ws: string, note: string, car: unknown): Promise<string> {
  const file = path.join(ws, '.sidelight', 'annotations', ...note.split('/')) + '.json';
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, typeof car === 'string' ? car : JSON.stringify(car));
  return file;
}

function goodSidecar(note: string, text: string, extraSpans: unknown[] = []) {
  const rash = text.indexOf('skin rash');
  return {
    schemaVersion: 1,
    note,
    noteSha256: sha256(text),
    done: true,
    spans: [span(text, [[rash, rash + 'skin rash'.length]], 'ADE', { id: 'good' }), ...extraSpans],
  };
}

test('export: a span past the end of its note (4e9, 1e300), reversed or fractional is refused by name; no format hangs', async () => {
  const bad: [string, unknown][] = [
    ['past', [[18, 4_000_000_000]]],
    ['huge', [[18, 1e300]]],
    ['reversed', [[30, 20]]],
    ['fraction', [[1.5, 4]]],
  ];
  for (const [name, fragments] of bad) {
    const ws = await workspace({ 'notes/a.txt': TEXT, 'notes/b.txt': TEXT });
    const broken = { ...span(TEXT, [[0, 4]], 'ADE', { id: `bad-${name}` }), fragments };
    await writeRawSidecar(ws, 'notes/a.txt', goodSidecar('notes/a.txt', TEXT, [broken]));
    await writeRawSidecar(ws, 'notes/b.txt', goodSidecar('notes/b.txt', TEXT));
    for (const format of ['jsonl', 'spacy', 'conll', 'brat']) {
      const out = path.join(ws, `out-${format}`);
      const r = cli(['export', '--format', format, '--workspace', ws, '--out', out]);
      assert.equal(r.code, 1, `${name}/${format}: exit 1 (${r.stderr})`);
      assert.match(r.stderr, /\.sidelight\/annotations\/notes\/a\.txt\.json/, `${name}/${format}: the sidecar is named`);
      assert.match(r.stderr, name === 'past' ? /past the end of the note/ : /fragment/, `${name}/${format}: the problem is said`);
      if (format === 'jsonl') {
        // The valid note is still exported; the invalid span is not.
        const rows = (await fs.readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { file: string; spans: { end: number }[] });
        assert.ok(rows.some((row) => row.file === 'notes/b.txt' && row.spans.length === 1), `${name}: the other note is exported`);
        for (const row of rows) for (const s of row.spans) assert.ok(s.end <= TEXT.length, `${name}: no span past the note is exported`);
      }
    }
  }
});

test('export: a note that is a symbolic link out of the workspace is not read, and is named', async () => {
  const outside = await workspace({ 'secret.txt': TEXT });
  const ws = await workspace({ 'notes/b.txt': TEXT });
  await fs.symlink(path.join(outside, 'secret.txt'), path.join(ws, 'notes', 'a.txt'));
  await writeRawSidecar(ws, 'notes/a.txt', goodSidecar('notes/a.txt', TEXT));
  await writeRawSidecar(ws, 'notes/b.txt', goodSidecar('notes/b.txt', TEXT));
  const r = cli(['export', '--format', 'jsonl', '--workspace', ws]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /notes\/a\.txt is a symbolic link.*not exported/);
  const files = r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { file: string }).file);
  assert.deepEqual(files, ['notes/b.txt']);
});

test('predict does not count a UTF-8 byte order mark, so its output imports as it is', async () => {
  const ws = await workspace({ 'notes/bom.txt': '\ufeffRash and nausea after amoxicillin.\n' });
  const note = path.join(ws, 'notes', 'bom.txt');
  const predicted = cli(['predict', '--workspace', ws, note]);
  assert.equal(predicted.code, 0, predicted.stderr);
  const row = JSON.parse(predicted.stdout.trim()) as { file: string; text: string; spans: { start: number; end: number; text: string }[] };
  assert.equal(row.file, 'notes/bom.txt');
  assert.ok(!row.text.startsWith('\ufeff'), 'the text is the note without its byte order mark');
  assert.ok(row.spans.length > 0, 'the model finds something');
  for (const s of row.spans) assert.equal(row.text.slice(s.start, s.end), s.text);
  const rows = path.join(ws, 'predicted.jsonl');
  await fs.writeFile(rows, predicted.stdout);
  const imported = cli(['import', '--format', 'jsonl', '--workspace', ws, rows]);
  assert.equal(imported.code, 0, imported.stderr);
  assert.match(imported.stderr, new RegExp(`imported ${row.spans.length} spans? into 1 note`));
});

test('CoNLL import: a bad tag inside an entity imports nothing for that note (no truncated span); the other notes are imported', async () => {
  const ws = await workspace({ 'notes/a.txt': TEXT, 'notes/b.txt': TEXT });
  const conll = (note: string, badTag: string) => {
    const lines = [`# file = ${note}`];
    for (const t of TEXT.match(/[\p{L}\p{M}\p{N}]+|[^\s\p{L}\p{M}\p{N}]/gu) ?? []) {
      lines.push(`${t}\t${t === 'skin' ? 'B-ADE' : t === 'rash' ? badTag : 'O'}`);
    }
    return lines.join('\n') + '\n\n';
  };
  const file = path.join(ws, 'in.conll');
  await fs.writeFile(file, conll('notes/a.txt', 'X-ADE') + conll('notes/b.txt', 'I-ADE'));
  const r = cli(['import', '--format', 'conll', '--workspace', ws, file]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /in\.conll:\d+: tag "X-ADE" is not O, B-<label> or I-<label>; nothing imported for notes\/a\.txt/);
  assert.ok(!existsSync(path.join(ws, '.sidelight', 'annotations', 'notes', 'a.txt.json')), 'nothing written for the failed note');
  const b = JSON.parse(await fs.readFile(path.join(ws, '.sidelight', 'annotations', 'notes', 'b.txt.json'), 'utf8')) as { spans: { quote: { text: string } }[] };
  assert.deepEqual(b.spans.map((s) => s.quote.text), ['skin rash']);
});

test('labels with whitespace or NUL are refused on import and in sidecars (they would write unreadable brat and CoNLL)', async () => {
  const ws = await workspace({ 'notes/a.txt': TEXT });
  const rash = TEXT.indexOf('skin rash');
  for (const label of ['SIDE EFFECT', 'ADE\u0000', 'ADE\t']) {
    const rows = path.join(ws, 'rows.jsonl');
    await fs.writeFile(rows, JSON.stringify({ file: 'notes/a.txt', text: TEXT, spans: [{ label, start: rash, end: rash + 9, text: 'skin rash' }] }) + '\n');
    const r = cli(['import', '--format', 'jsonl', '--workspace', ws, rows]);
    assert.equal(r.code, 1, JSON.stringify(label));
    assert.match(r.stderr, /rows\.jsonl: notes\/a\.txt: label .* without spaces or control characters/);
    assert.ok(!existsSync(path.join(ws, '.sidelight', 'annotations', 'notes', 'a.txt.json')), 'nothing imported');
  }
  await writeRawSidecar(ws, 'notes/a.txt', goodSidecar('notes/a.txt', TEXT, [span(TEXT, [[0, 9]], 'SIDE EFFECT', { id: 'spaced' })]));
  const exported = cli(['export', '--format', 'conll', '--workspace', ws]);
  assert.equal(exported.code, 1);
  assert.match(exported.stderr, /a\.txt\.json:\d+: span 2: label "SIDE EFFECT" must be/);
  assert.doesNotMatch(exported.stdout, /SIDE EFFECT/);
});

test('spaCy import: "spans" as a span-group object is an error, not "no spans"', async () => {
  const ws = await workspace({ 'notes/a.txt': TEXT });
  const rows = path.join(ws, 'spacy.jsonl');
  await fs.writeFile(rows, JSON.stringify({ text: TEXT, spans: { sc: [{ start: 0, end: 9, label: 'ADE' }] }, meta: { file: 'notes/a.txt' } }) + '\n');
  const r = cli(['import', '--format', 'spacy', '--workspace', ws, rows]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /spacy\.jsonl:1: "spans" must be a list/);
});

test('a mistyped --workspace or a missing remote folder is an error, and nothing is created', async () => {
  const remote = path.join(tmp, 'remote-exists');
  await fs.mkdir(remote);
  const typo = path.join(tmp, 'no-such-workspace');
  for (const args of [['sync', '--workspace', typo, '--remote', `file://${remote}`], ['status', '--workspace', typo, '--remote', `file://${remote}`], ['model', 'pull', 'ade', '--workspace', typo, '--remote', `file://${remote}`]]) {
    const r = cli(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, /--workspace .*no-such-workspace: no such folder/);
  }
  assert.ok(!existsSync(typo), 'the mistyped workspace was not created');
  const ws = await workspace({ 'notes/a.txt': TEXT });
  const missing = path.join(tmp, 'remote-typo');
  for (const args of [['sync', '--workspace', ws, '--remote', `file://${missing}`], ['model', 'list', '--remote', `file://${missing}`], ['sync', '--workspace', ws, '--remote', 'file:']]) {
    const r = cli(args);
    assert.equal(r.code, 1, args.join(' '));
    assert.match(r.stderr, /no such folder|names no folder/);
  }
  assert.ok(!existsSync(missing), 'the mistyped remote was not created');
});

test('model list: one model with a malformed LATEST does not hide the others; a manifest listing X and X.part is refused', async () => {
  const remote = path.join(tmp, 'remote-models');
  const put = async (key: string, body: string | Buffer) => {
    await fs.mkdir(path.dirname(path.join(remote, key)), { recursive: true });
    await fs.writeFile(path.join(remote, key), body);
  };
  const bytes = Buffer.from('onnx bytes');
  const entry = { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
  const manifest = (name: string, files: Record<string, unknown>) => JSON.stringify({ name, version: '1.0.0', createdAt: '2024-01-01T00:00:00Z', files });
  await put('models/good/1.0.0/model.onnx', bytes);
  await put('models/good/1.0.0/manifest.json', manifest('good', { 'model.onnx': entry }));
  await put('models/good/LATEST', JSON.stringify({ version: '1.0.0', manifestSha256: createHash('sha256').update(manifest('good', { 'model.onnx': entry })).digest('hex') }));
  await put('models/broken/1.0.0/model.onnx', bytes);
  await put('models/broken/1.0.0/manifest.json', manifest('broken', { 'model.onnx': entry }));
  await put('models/broken/LATEST', '{"version": ');
  const list = cli(['model', 'list', '--remote', `file://${remote}`]);
  assert.equal(list.code, 1);
  assert.match(list.stdout, /^broken\n {2}1\.0\.0\ngood\n {2}1\.0\.0 {2}\(LATEST\)\n/);
  assert.match(list.stderr, /broken: LATEST cannot be read: .*models\/broken\/LATEST: not valid JSON/);

  const part = Buffer.from('other bytes');
  await put('models/parts/1.0.0/model.onnx', bytes);
  await put('models/parts/1.0.0/model.onnx.part', part);
  await put('models/parts/1.0.0/manifest.json', manifest('parts', { 'model.onnx': entry, 'model.onnx.part': { sha256: createHash('sha256').update(part).digest('hex'), size: part.length } }));
  const ws = await workspace({});
  const pull = cli(['model', 'pull', 'parts@1.0.0', '--workspace', ws, '--remote', `file://${remote}`]);
  assert.equal(pull.code, 1);
  assert.match(pull.stderr, /"model\.onnx\.part": names ending in "\.part" are reserved/);
  assert.ok(!existsSync(path.join(ws, '.sidelight', 'model.lock')), 'nothing pinned');
});

test('export and import refuse a linked .sidelight/annotations (they would read and write sidecars elsewhere)', async () => {
  const outside = await workspace({});
  await writeRawSidecar(outside, 'notes/a.txt', goodSidecar('notes/a.txt', TEXT));
  const before = await fs.readFile(path.join(outside, '.sidelight', 'annotations', 'notes', 'a.txt.json'), 'utf8');
  const ws = await workspace({ 'notes/a.txt': TEXT });
  await fs.symlink(path.join(outside, '.sidelight', 'annotations'), path.join(ws, '.sidelight', 'annotations'));
  const exported = cli(['export', '--format', 'jsonl', '--workspace', ws]);
  assert.equal(exported.code, 1);
  assert.match(exported.stderr, /\.sidelight\/annotations is a symbolic link.*nothing exported/);
  assert.equal(exported.stdout, '');
  const rows = path.join(ws, 'rows.jsonl');
  const rash = TEXT.indexOf('skin rash');
  await fs.writeFile(rows, JSON.stringify({ file: 'notes/a.txt', text: TEXT, spans: [{ label: 'ADE', start: 0, end: 9, text: TEXT.slice(0, 9) }, { label: 'ADE', start: rash, end: rash + 9, text: 'skin rash' }] }) + '\n');
  const imported = cli(['import', '--format', 'jsonl', '--workspace', ws, rows]);
  assert.equal(imported.code, 1);
  assert.match(imported.stderr, /symbolic link.*nothing imported/);
  assert.equal(await fs.readFile(path.join(outside, '.sidelight', 'annotations', 'notes', 'a.txt.json'), 'utf8'), before, 'the outside sidecar is untouched');
});
