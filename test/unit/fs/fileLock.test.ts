import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { lockPathFor, STALE_LOCK_MS, withFileLock } from '../../../src/core/fs/fileLock';
import { cleanupScratch, scratchDir } from '../sync/helpers';

after(cleanupScratch);

const tick = () => new Promise((r) => setImmediate(r));

test('holders of one file\'s lock run one at a time: no read-modify-write is lost', async () => {
  const file = path.join(await scratchDir(), 'counter.json');
  await fs.writeFile(file, '0');
  let inside = 0;
  let most = 0;
  await Promise.all(
    Array.from({ length: 20 }, () =>
      withFileLock(file, async () => {
        most = Math.max(most, ++inside);
        const n = Number(await fs.readFile(file, 'utf8'));
        await tick();
        await fs.writeFile(file, String(n + 1));
        inside--;
      }),
    ),
  );
  assert.equal(most, 1, 'never two holders at once');
  assert.equal(await fs.readFile(file, 'utf8'), '20');
  await assert.rejects(fs.stat(lockPathFor(file)), /ENOENT/, 'the lock is gone after the last holder');
});

test('a lock is released when its holder throws, and the error reaches the caller', async () => {
  const file = path.join(await scratchDir(), 'a.json');
  await assert.rejects(withFileLock(file, async () => Promise.reject(new Error('boom'))), /boom/);
  assert.equal(await withFileLock(file, async () => 'next'), 'next');
});

test('a held lock is waited for; one left by a dead process (older than STALE_LOCK_MS) is broken', async () => {
  const dir = await scratchDir();
  const file = path.join(dir, 'b.json');
  await fs.writeFile(lockPathFor(file), '12345\n');
  const order: string[] = [];
  const waiting = withFileLock(file, async () => void order.push('waiter'));
  await new Promise((r) => setTimeout(r, 50));
  order.push('released');
  await fs.rm(lockPathFor(file));
  await waiting;
  assert.deepEqual(order, ['released', 'waiter']);

  await fs.writeFile(lockPathFor(file), '12345\n');
  const old = new Date(Date.now() - STALE_LOCK_MS - 1000);
  await fs.utimes(lockPathFor(file), old, old);
  assert.equal(await withFileLock(file, async () => 'taken'), 'taken');
});

test('with waitMs, a lock held too long is an error naming it; the holder keeps it', async () => {
  const file = path.join(await scratchDir(), 'd.json');
  const lockPath = `${file}.custom-lock`;
  await fs.writeFile(lockPath, '');
  await assert.rejects(
    withFileLock(file, async () => assert.fail('must not run'), { lockPath, waitMs: 50 }),
    (e: Error) => e.message.includes(lockPath) && /locked by another writer/.test(e.message),
  );
  await fs.stat(lockPath);
});

test('the file\'s folder is created when missing (a first label, a first pull)', async () => {
  const file = path.join(await scratchDir(), 'new', 'deeper', 'c.json');
  await withFileLock(file, () => fs.writeFile(file, '{}'));
  assert.equal(await fs.readFile(file, 'utf8'), '{}');
});
