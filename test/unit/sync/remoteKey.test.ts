import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { UnsafeKeyError, checkRemoteKey, isSafeRemoteKey, joinKey, keyFromLocalPath, resolveKeyUnder } from '../../../src/core/sync/remoteKey';

describe('remote key safety', () => {
  const ws = path.resolve('/tmp/ws');

  it('accepts ordinary keys, including unicode, spaces and dots inside names', () => {
    for (const k of ['annotations/notes/a.txt.json', 'labels.json', 'notes/ünï côde/x y.txt', 'models/ade/1.0.0/model.onnx', '..hidden', 'a/.b', 'a..b/c']) {
      assert.equal(checkRemoteKey(k), k);
      assert.ok(resolveKeyUnder(ws, k).startsWith(ws + path.sep));
    }
  });

  const hostile: [string, RegExp][] = [
    ['annotations/../../x', /'\.\.' segment/],
    ['..', /'\.\.' segment/],
    ['a/..', /'\.\.' segment/],
    ['./a', /'\.' segment/],
    ['/etc/passwd', /absolute path/],
    ['//server/share', /absolute path/],
    ['a\\..\\..\\x', /backslash/],
    ['annotations\\x.json', /backslash/],
    ['C:/Windows/x', /drive letter/],
    ['c:x', /drive letter/],
    ['a/C:x', /':' in a path segment/],
    ['a.json:stream', /':' in a path segment/],
    ['a\0b', /NUL/],
    ['a\nb', /control character/],
    ['', /empty key/],
    ['a//b', /empty path segment/],
    ['a/', /empty path segment/],
  ];
  for (const [key, re] of hostile) {
    it(`refuses ${JSON.stringify(key)}`, () => {
      assert.throws(() => checkRemoteKey(key), (e: unknown) => e instanceof UnsafeKeyError && re.test(e.message));
      assert.throws(() => resolveKeyUnder(ws, key), UnsafeKeyError);
      assert.equal(isSafeRemoteKey(key), false);
    });
  }

  it('maps local paths to keys and joins prefixes', () => {
    assert.equal(keyFromLocalPath(ws, path.join(ws, 'notes', 'a.txt')), 'notes/a.txt');
    assert.throws(() => keyFromLocalPath(ws, path.resolve(ws, '..', 'x')), UnsafeKeyError);
    assert.equal(joinKey('', 'a'), 'a');
    assert.equal(joinKey('p', 'a'), 'p/a');
    assert.equal(joinKey('p/', 'a'), 'p/a');
  });
});
