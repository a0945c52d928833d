import { after, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { FileRemote } from '../../../src/core/sync/fileRemote';
import { PreconditionFailedError, type Remote } from '../../../src/core/sync/remote';
import { S3Remote, parseS3Url } from '../../../src/core/sync/s3Remote';
import { sha256Hex } from '../../../src/core/fs/sha256';
import { cleanupScratch, motoForFile, scratchDir } from './helpers';

const moto = motoForFile();
beforeEach(async () => {
  await moto.reset();
});

const tempDir = () => scratchDir('sidelight-remote-');

/** The same contract, run against both kinds of remote. */
function contract(name: string, make: () => Promise<Remote>) {
  describe(`${name} remote contract`, () => {
    it('round-trips bytes exactly, including binary, empty and non-ASCII keys', async () => {
      const r = await make();
      try {
        const bin = new Uint8Array(randomBytes(70_000));
        const e1 = await r.put('annotations/notes/ünï côde.txt.json', bin);
        const e2 = await r.put('empty.bin', new Uint8Array(0));
        assert.ok(e1 && e2);
        const got = await r.get('annotations/notes/ünï côde.txt.json');
        assert.ok(got);
        assert.deepEqual(Buffer.from(got.body), Buffer.from(bin));
        assert.equal(got.etag, e1);
        assert.equal((await r.get('empty.bin'))?.body.length, 0);
        assert.equal(await r.get('missing.json'), undefined);
        assert.equal(await r.head('missing.json'), undefined);
        assert.equal((await r.head('empty.bin'))?.size, 0);
      } finally {
        r.close();
      }
    });

    it('lists every object under a prefix (several pages) with etags and sizes', async () => {
      const r = await make();
      try {
        const n = 130; // the S3 remote below lists 50 keys per page
        const keys: string[] = [];
        for (let i = 0; i < n; i += 50) {
          await Promise.all(
            Array.from({ length: Math.min(50, n - i) }, (_, j) => {
              const key = `annotations/n/${String(i + j).padStart(5, '0')}.json`;
              keys.push(key);
              return r.put(key, Buffer.from(`{"i":${i + j}}`));
            }),
          );
        }
        await r.put('labels.json', Buffer.from('{}'));
        const listed = await r.list('annotations/');
        assert.equal(listed.length, n);
        assert.deepEqual(listed.map((e) => e.key), keys.sort());
        assert.equal(listed[3].size, Buffer.byteLength('{"i":3}'));
        assert.equal(listed[3].etag, (await r.head(listed[3].key))?.etag);
        assert.deepEqual((await r.list('labels')).map((e) => e.key), ['labels.json']);
      } finally {
        r.close();
      }
    });

    it('conditional writes: IfNoneMatch refuses an existing object, IfMatch refuses a stale etag', async () => {
      const r = await make();
      try {
        const e1 = await r.put('a.json', Buffer.from('1'), { ifNoneMatch: true });
        await assert.rejects(r.put('a.json', Buffer.from('2'), { ifNoneMatch: true }), PreconditionFailedError);
        const e2 = await r.put('a.json', Buffer.from('2'), { ifMatch: e1 });
        assert.notEqual(e2, e1);
        await assert.rejects(r.put('a.json', Buffer.from('3'), { ifMatch: e1 }), PreconditionFailedError);
        assert.equal(Buffer.from((await r.get('a.json'))!.body).toString(), '2');
      } finally {
        r.close();
      }
    });

    it('streams a large file up and down byte-exact, with progress and the sha256 in head', async () => {
      const r = await make();
      const dir = await tempDir();
      try {
        const big = randomBytes(12 * 1024 * 1024 + 123);
        const src = path.join(dir, 'big.bin');
        await fs.writeFile(src, big);
        const sha = sha256Hex(big);
        let lastUp = 0;
        await r.putFile('models/m/1/model.onnx', src, { sha256: sha, onProgress: (l) => (lastUp = l) });
        assert.equal(lastUp, big.length);
        const head = await r.head('models/m/1/model.onnx');
        assert.equal(head?.size, big.length);
        assert.equal(head?.sha256, sha);
        const dst = path.join(dir, 'down', 'big.bin');
        let lastDown = 0;
        const got = await r.getToFile('models/m/1/model.onnx', dst, { onProgress: (l) => (lastDown = l) });
        assert.equal(got?.size, big.length);
        assert.equal(lastDown, big.length);
        assert.equal(sha256Hex(await fs.readFile(dst)), sha);
        assert.equal(await r.getToFile('models/m/1/missing', path.join(dir, 'x')), undefined);
      } finally {
        r.close();
        await fs.rm(dir, { recursive: true, force: true });
      }
    });
  });
}

contract('file', async () => new FileRemote(pathToFileURL(await tempDir()).href));

contract('s3', async () => new S3Remote(`s3://${moto.bucket}/team/proj`, { endpoint: moto.endpoint, listPageSize: 50 }));

describe('s3 remote specifics', () => {
  it('parses s3 URLs and refuses others', () => {
    assert.deepEqual(parseS3Url('s3://b/p/q/'), { bucket: 'b', prefix: 'p/q' });
    assert.deepEqual(parseS3Url('s3://b'), { bucket: 'b', prefix: '' });
    assert.throws(() => parseS3Url('http://b/p'), /not an s3:\/\/bucket\/prefix URL/);
  });

  it('keeps keys under its prefix and honours AWS_ENDPOINT_URL_S3', async () => {
    const r = new S3Remote(`s3://${moto.bucket}/team`, { env: { AWS_ENDPOINT_URL_S3: moto.endpoint } });
    try {
      await r.put('labels.json', Buffer.from('{"v":1}'));
      await moto.client.send(new PutObjectCommand({ Bucket: moto.bucket, Key: 'other/labels.json', Body: 'x' }));
      assert.deepEqual((await r.list('')).map((e) => e.key), ['labels.json']);
    } finally {
      r.close();
    }
  });

  it('writes with server-side encryption when configured', async () => {
    const r = new S3Remote(`s3://${moto.bucket}`, { endpoint: moto.endpoint, sse: 'AES256' });
    try {
      await r.put('enc.json', Buffer.from('{}'));
      const { HeadObjectCommand } = await import('@aws-sdk/client-s3');
      const h = await moto.client.send(new HeadObjectCommand({ Bucket: moto.bucket, Key: 'enc.json' }));
      assert.equal(h.ServerSideEncryption, 'AES256');
    } finally {
      r.close();
    }
  });
});

describe('file remote specifics', () => {
  it('etag is the sha256 of the content and temp/lock files never show in listings', async () => {
    const dir = await tempDir();
    const r = new FileRemote(dir);
    try {
      const e = await r.put('a/b.json', Buffer.from('hello'));
      assert.equal(e, sha256Hex('hello'));
      await fs.writeFile(path.join(dir, 'a', 'b.json.sidelight-lock'), '1');
      await fs.writeFile(path.join(dir, 'a', '.b.json.0123456789ab.sidelight-tmp'), '1');
      assert.deepEqual((await r.list('a/')).map((x) => x.key), ['a/b.json']);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('serialises racing conditional writers: exactly one wins', async () => {
    const dir = await tempDir();
    const a = new FileRemote(dir);
    const b = new FileRemote(dir);
    try {
      const e0 = await a.put('x.json', Buffer.from('0'));
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).put('x.json', Buffer.from(String(i + 1)), { ifMatch: e0 })),
      );
      assert.equal(results.filter((x) => x.status === 'fulfilled').length, 1);
      assert.ok(results.filter((x) => x.status === 'rejected').every((x) => (x as PromiseRejectedResult).reason instanceof PreconditionFailedError));
      assert.deepEqual(await fs.readdir(dir), ['x.json']);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses keys that would leave its folder', async () => {
    const dir = await tempDir();
    const r = new FileRemote(dir);
    try {
      await assert.rejects(r.put('../escape.json', Buffer.from('x')), /refused remote key/);
      await assert.rejects(r.get('a/../../etc/passwd'), /refused remote key/);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

after(cleanupScratch);
