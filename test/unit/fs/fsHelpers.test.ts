import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { isTempName, tempPathFor, writeFileAtomic } from '../../../src/core/fs/atomicWrite';
import { readBytesIfExists, readTextIfExists, unreadableFileError } from '../../../src/core/fs/notFound';
import { sha256File, sha256Hex } from '../../../src/core/fs/sha256';
import { stripBom } from '../../../src/core/fs/text';
import { walkFiles } from '../../../src/core/fs/walk';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const d = await fs.mkdtemp(path.join(os.tmpdir(), 'sidelight-fs-'));
  dirs.push(d);
  return d;
}

test('walkFiles lists files below a folder as sorted / paths, reports links without following them', async () => {
  const root = await tempDir();
  const outside = await tempDir();
  await fs.writeFile(path.join(outside, 'secret.json'), '{}');
  await fs.mkdir(path.join(root, 'b', 'c'), { recursive: true });
  await fs.writeFile(path.join(root, 'b', 'c', 'x.json'), '{}');
  await fs.writeFile(path.join(root, 'a.json'), '{}');
  await fs.symlink(outside, path.join(root, 'b', 'linked-folder'));
  await fs.symlink(path.join(outside, 'secret.json'), path.join(root, 'linked.json'));
  assert.deepEqual(await walkFiles(root), { files: ['a.json', 'b/c/x.json'], links: ['b/linked-folder', 'linked.json'] });
  assert.deepEqual(await walkFiles(path.join(root, 'missing')), { files: [], links: [] });
  // A file where the folder should be: nothing below it.
  assert.deepEqual(await walkFiles(path.join(root, 'a.json')), { files: [], links: [] });
});

test('one temporary-name pattern: writeFileAtomic leaves no temporary file, and isTempName knows its names', async () => {
  const dir = await tempDir();
  const target = path.join(dir, 'sub', 'note.txt.json');
  const tmp = tempPathFor(target);
  assert.equal(path.dirname(tmp), path.dirname(target), 'beside the target, for a same-volume rename');
  assert.ok(isTempName(path.basename(tmp)));
  assert.ok(isTempName(path.basename(tempPathFor(target, 'sidelight-tmp')), 'sidelight-tmp'));
  assert.equal(isTempName(path.basename(tempPathFor(target, 'sidelight-tmp'))), false, 'each suffix is its own pattern');
  for (const name of ['note.txt.json', '.note.txt.json', '.note.0123456789ab.json', 'note.0123456789ab.tmp', '.note.0123456789AB.tmp', '..0123456789ab.tmp']) {
    assert.equal(isTempName(name), false, name);
  }
  await writeFileAtomic(target, 'one');
  await writeFileAtomic(target, 'two');
  assert.deepEqual(await fs.readdir(path.dirname(target)), ['note.txt.json']);
  assert.equal(await fs.readFile(target, 'utf8'), 'two');
});

test('readTextIfExists: undefined only when there is no file; other failures are thrown', async () => {
  const dir = await tempDir();
  assert.equal(await readTextIfExists(path.join(dir, 'absent.json')), undefined);
  assert.equal(await readBytesIfExists(path.join(dir, 'absent', 'deeper.json')), undefined);
  await fs.writeFile(path.join(dir, 'x.json'), 'é');
  assert.equal(await readTextIfExists(path.join(dir, 'x.json')), 'é');
  await assert.rejects(readTextIfExists(dir), /EISDIR/);
  assert.match(unreadableFileError('notes/a.txt', Object.assign(new Error('gone'), { code: 'ENOENT' })).message, /^notes\/a\.txt: not found$/);
  assert.match(unreadableFileError('notes/a.txt', Object.assign(new Error('EACCES: denied'), { code: 'EACCES' })).message, /^notes\/a\.txt: cannot be read \(EACCES: denied\)$/);
});

test('stripBom drops one leading byte order mark and nothing else', () => {
  assert.equal(stripBom('\ufeff{"a":1}'), '{"a":1}');
  assert.equal(stripBom('\ufeff\ufeffx'), '\ufeffx');
  assert.equal(stripBom('x\ufeff'), 'x\ufeff');
  assert.equal(stripBom(''), '');
});

test('sha256 of text, of bytes and of a file agree', async () => {
  const dir = await tempDir();
  const text = 'naïve 💊\n';
  await fs.writeFile(path.join(dir, 'n.txt'), text);
  const ofText = sha256Hex(text);
  assert.match(ofText, /^[0-9a-f]{64}$/);
  assert.equal(sha256Hex(Buffer.from(text, 'utf8')), ofText);
  assert.deepEqual(await sha256File(path.join(dir, 'n.txt')), { sha256: ofText, size: Buffer.byteLength(text) });
  assert.equal(sha256Hex(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
});
