import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { ROOT } from '../model/fixtures';

const CLI = path.join(ROOT, 'dist', 'cli.js');
let ws = '';
const NOTE = 'notes/a.txt';
// CRLF and an emoji: UTF-16 offsets in jsonl, code points in spaCy.
const TEXT = 'Allergies: 😀 penicillin (hives).\r\nTakes lisinopril daily.\r\n';

before(async () => {
  if (!existsSync(CLI)) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  ws = await fs.mkdtemp(path.join(os.tmpdir(), 'sidelight-cli-io-'));
  await fs.mkdir(path.join(ws, 'notes'));
  await fs.writeFile(path.join(ws, NOTE), TEXT);
});
after(async () => fs.rm(ws, { recursive: true, force: true }));

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function span(label: string, word: string) {
  const start = TEXT.indexOf(word);
  return { label, start, end: start + word.length, text: word };
}

test('import jsonl then export jsonl and spacy: offsets survive, in each format\'s unit; a second import adds nothing', async () => {
  const input = path.join(ws, 'in.jsonl');
  const row = { file: NOTE, text: TEXT, spans: [span('DRUG', 'penicillin'), span('ADE', 'hives'), span('DRUG', 'lisinopril')] };
  await fs.writeFile(input, JSON.stringify(row) + '\n');
  const first = cli(['import', '--format', 'jsonl', '--workspace', ws, input]);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, /imported 3 spans into 1 note/);
  const again = cli(['import', '--format', 'jsonl', '--workspace', ws, input]);
  assert.match(again.stderr, /imported 0 spans.*3 already present/);

  const out = cli(['export', '--format', 'jsonl', '--workspace', ws]);
  assert.equal(out.code, 0, out.stderr);
  const exported = JSON.parse(out.stdout.trim()) as { file: string; spans: { label: string; start: number; end: number; text: string }[] };
  assert.equal(exported.file, NOTE);
  assert.deepEqual(exported.spans.map((s) => [s.label, s.start, s.end, s.text]), row.spans.map((s) => [s.label, s.start, s.end, s.text]));

  const spacyFile = path.join(ws, 'out.spacy.jsonl');
  assert.equal(cli(['export', '--format', 'spacy', '--workspace', ws, '--out', spacyFile]).code, 0);
  const spacy = JSON.parse((await fs.readFile(spacyFile, 'utf8')).trim()) as { text: string; spans: { start: number; end: number; label: string }[] };
  const cp = [...TEXT];
  for (const s of spacy.spans) assert.ok(['penicillin', 'hives', 'lisinopril'].includes(cp.slice(s.start, s.end).join('')), 'code-point offsets');
  assert.equal(spacy.spans[0].start, TEXT.indexOf('penicillin') - 1, 'the emoji counts one code point, two UTF-16 units');
});

test('import refuses a row whose text differs from the note, naming the file; exit 1', async () => {
  const bad = path.join(ws, 'bad.jsonl');
  await fs.writeFile(bad, JSON.stringify({ file: NOTE, text: TEXT.replace('hives', 'HIVES'), spans: [{ ...span('ADE', 'hives'), text: 'HIVES' }] }) + '\n');
  const r = cli(['import', '--format', 'jsonl', '--workspace', ws, bad]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /bad\.jsonl.*differs from the note on disk/);
});

test('import --author records who the labels are from; without it, git\'s user.name, else "import"', async () => {
  const authorsAfterImport = async (args: string[], env: NodeJS.ProcessEnv): Promise<string[]> => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sidelight-cli-author-'));
    try {
      await fs.mkdir(path.join(dir, 'notes'));
      await fs.writeFile(path.join(dir, NOTE), TEXT);
      const rows = path.join(dir, 'in.jsonl');
      await fs.writeFile(rows, JSON.stringify({ file: NOTE, text: TEXT, spans: [span('DRUG', 'penicillin'), span('ADE', 'hives')] }) + '\n');
      const r = spawnSync(process.execPath, [CLI, 'import', '--format', 'jsonl', '--workspace', dir, ...args, rows], { encoding: 'utf8', env: { ...process.env, ...env } });
      assert.equal(r.status, 0, r.stderr);
      const sidecar = JSON.parse(await fs.readFile(path.join(dir, '.sidelight', 'annotations', `${NOTE}.json`), 'utf8')) as { spans: { author: string }[] };
      return [...new Set(sidecar.spans.map((x) => x.author))];
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  };
  const home = await fs.mkdtemp(path.join(os.tmpdir(), 'sidelight-cli-home-'));
  const gitconfig = path.join(home, 'gitconfig');
  await fs.writeFile(gitconfig, '[user]\n\tname = Dana Reviewer\n');
  // Git reads no system or user configuration but the file named here (or none).
  const git = (global: string) => ({ HOME: home, XDG_CONFIG_HOME: home, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: global });
  try {
    assert.deepEqual(await authorsAfterImport(['--author', 'annotator-b'], git(gitconfig)), ['annotator-b']);
    assert.deepEqual(await authorsAfterImport([], git(gitconfig)), ['Dana Reviewer']);
    assert.deepEqual(await authorsAfterImport([], git(path.join(home, 'none'))), ['import']);
  } finally {
    await fs.rm(home, { recursive: true, force: true });
  }
  assert.equal(cli(['import', '--format', 'jsonl', '--workspace', ws, '--author', ' ', 'x.jsonl']).code, 2, 'an empty name is a usage error');
});

test('usage errors exit 2', () => {
  assert.equal(cli(['export', '--workspace', ws]).code, 2);
  assert.equal(cli(['import', '--format', 'jsonl', '--workspace', ws]).code, 2);
});

test("import --author: a team's earlier labels come in as each annotator's votes; agreement compares them; export --gold waits for adjudication", async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sidelight-cli-votes-'));
  try {
    await fs.mkdir(path.join(dir, 'notes'));
    await fs.writeFile(path.join(dir, NOTE), TEXT);
    const importAs = async (author: string, spans: ReturnType<typeof span>[]) => {
      const rows = path.join(dir, `${author}.jsonl`);
      await fs.writeFile(rows, JSON.stringify({ file: NOTE, text: TEXT, spans }) + '\n');
      return cli(['import', '--format', 'jsonl', '--workspace', dir, '--author', author, rows]);
    };
    assert.equal((await importAs('ana', [span('DRUG', 'penicillin'), span('ADE', 'hives')])).code, 0);
    const ben = await importAs('ben', [span('DRUG', 'penicillin'), span('DRUG', 'lisinopril')]);
    assert.equal(ben.code, 0, ben.stderr);
    assert.match(ben.stderr, /imported 1 span .*; 0 already present, 1 vote added to another annotator's identical label/);
    const sidecar = JSON.parse(await fs.readFile(path.join(dir, '.sidelight', 'annotations', `${NOTE}.json`), 'utf8')) as {
      schemaVersion: number;
      spans: { quote: { text: string }; votes?: { author: string; verdict: string }[] }[];
    };
    assert.equal(sidecar.schemaVersion, 3);
    assert.equal(sidecar.spans.length, 3, 'penicillin is one span with two votes, not two spans');
    assert.deepEqual(sidecar.spans.find((s) => s.quote.text === 'penicillin')?.votes?.map((v) => `${v.author}:${v.verdict}`), ['ana:accepted', 'ben:accepted']);
    // Nobody marked the note done: agreement has nothing to compare, export --gold nothing to write.
    const gold = cli(['export', '--format', 'jsonl', '--workspace', dir, '--gold']);
    assert.equal(gold.code, 0, gold.stderr);
    assert.equal(gold.stdout, '');
    assert.match(gold.stderr, /exported 0 spans of 0 notes.*1 note not adjudicated/);
    assert.equal(cli(['export', '--format', 'jsonl', '--workspace', dir, '--gold', '--include-suggested']).code, 2);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
