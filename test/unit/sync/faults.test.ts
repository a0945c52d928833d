import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readModelLock } from '../../../src/core/model/modelLock';
import { listModels, pullModel, pushModel } from '../../../src/core/sync/modelArtifacts';
import { S3Remote } from '../../../src/core/sync/s3Remote';
import { SyncEngine } from '../../../src/core/sync/syncEngine';
import { startFaultProxy, type FaultProxy } from '../../harness/faultProxy';
import { startMoto, type Moto } from '../../harness/moto';
import { cleanupBundles, cleanupScratch, exists, makeBundle, readSidecar, scratchDir, sidecar, span, writeSidecar } from './helpers';

/**
 * Network faults between the client and a real S3 server: a TCP proxy cuts (FIN), resets (RST) or stalls
 * connections mid-upload and mid-download. Each case: the operation either succeeds by retrying, or fails
 * cleanly; a rerun converges with nothing lost, and a partial model is never switched in.
 */

let moto: Moto;
let proxy: FaultProxy;
const MB = 1024 * 1024;

before(async () => {
  moto = await startMoto();
  proxy = await startFaultProxy(moto.port);
});
after(async () => {
  await proxy.stop();
  await moto.stop();
  await cleanupScratch();
  await cleanupBundles();
});
beforeEach(async () => {
  proxy.setFault(undefined);
  await moto.reset();
});

const dir = () => scratchDir('sidelight-fault-');

/** Through the proxy, with short timeouts so that stalls are detected quickly. */
function viaProxy(maxAttempts = 4): S3Remote {
  return new S3Remote(`s3://${moto.bucket}/t`, { endpoint: proxy.endpoint, requestTimeoutMs: 1500, maxAttempts, partSize: 5 * MB });
}
function direct(): S3Remote {
  return new S3Remote(`s3://${moto.bucket}/t`, { endpoint: moto.endpoint });
}

async function assertPulledIntact(bundle: string, version = '1.0.0'): Promise<void> {
  const w = await dir();
  const r = direct();
  try {
    await pullModel('ade', version, w, r);
    for (const f of ['model.onnx', 'manifest.json']) {
      assert.deepEqual(await fs.readFile(path.join(w, '.sidelight/models/ade', version, f)), await fs.readFile(path.join(bundle, f)));
    }
  } finally {
    r.close();
  }
}

describe('faults during model upload', () => {
  for (const mode of ['cut', 'reset', 'stall'] as const) {
    it(`a connection ${mode} mid-upload is retried and the push completes`, async () => {
      const bundle = await makeBundle('ade', '1.0.0', 11 * MB);
      const remote = viaProxy();
      try {
        const before = proxy.injected;
        proxy.setFault({ direction: 'up', afterBytes: 2 * MB, mode, times: 1 });
        await pushModel(bundle, remote);
        assert.equal(proxy.injected - before, 1);
      } finally {
        remote.close();
      }
      await assertPulledIntact(bundle);
    });
  }

  it('a push that keeps failing fails cleanly (nothing published); a rerun completes it', async () => {
    const bundle = await makeBundle('ade', '1.0.0', 11 * MB);
    const remote = viaProxy(2);
    try {
      proxy.setFault({ direction: 'up', afterBytes: 1 * MB, mode: 'reset', times: Infinity });
      await assert.rejects(pushModel(bundle, remote));
      proxy.setFault(undefined);
      const check = direct();
      assert.deepEqual(await listModels(check), []); // no manifest: not a release
      check.close();
      const r = await pushModel(bundle, remote);
      assert.equal(r.alreadyPublished, false);
    } finally {
      remote.close();
    }
    await assertPulledIntact(bundle);
  });
});

describe('faults during model download', () => {
  for (const mode of ['cut', 'reset', 'stall'] as const) {
    it(`a connection ${mode} mid-download is resumed and the pull verifies`, async () => {
      const bundle = await makeBundle('ade', '1.0.0', 11 * MB);
      const up = direct();
      await pushModel(bundle, up);
      up.close();
      const remote = viaProxy();
      const w = await dir();
      try {
        const before = proxy.injected;
        proxy.setFault({ direction: 'down', afterBytes: 3 * MB, mode, times: 2 });
        const r = await pullModel('ade', '1.0.0', w, remote);
        assert.ok(proxy.injected - before >= 1);
        assert.deepEqual(r.downloaded, ['config.json', 'model.onnx', 'tokenizer.json']);
      } finally {
        remote.close();
      }
      assert.deepEqual(await fs.readFile(path.join(w, '.sidelight/models/ade/1.0.0/model.onnx')), await fs.readFile(path.join(bundle, 'model.onnx')));
    });
  }

  it('a pull that keeps failing leaves no model and the lock unchanged; a rerun resumes and switches', async () => {
    const bundle = await makeBundle('ade', '1.0.0', 11 * MB);
    const up = direct();
    await pushModel(bundle, up);
    up.close();
    const w = await dir();
    await fs.mkdir(path.join(w, '.sidelight'), { recursive: true });
    const lock = '{"name":"ade","version":"0.9.0","manifestSha256":"' + 'e'.repeat(64) + '"}';
    await fs.writeFile(path.join(w, '.sidelight/model.lock'), lock);
    const remote = viaProxy(2);
    try {
      proxy.setFault({ direction: 'down', afterBytes: 2 * MB, mode: 'reset', times: Infinity });
      await assert.rejects(pullModel('ade', '1.0.0', w, remote));
      assert.equal(await fs.readFile(path.join(w, '.sidelight/model.lock'), 'utf8'), lock);
      assert.equal(await exists(path.join(w, '.sidelight/models/ade/1.0.0')), false);
      proxy.setFault(undefined);
      const r = await pullModel('ade', '1.0.0', w, remote);
      assert.ok(r.reused.length >= 1, 'small files verified before the failure are reused');
      assert.equal((await readModelLock(w))?.version, '1.0.0');
    } finally {
      remote.close();
    }
    assert.deepEqual(await fs.readFile(path.join(w, '.sidelight/models/ade/1.0.0/model.onnx')), await fs.readFile(path.join(bundle, 'model.onnx')));
  });
});

describe('faults during annotation sync', () => {
  it('resets and stalls while two workspaces sync: they fail cleanly or retry, reruns converge, nothing lost', async () => {
    const a = await dir();
    const b = await dir();
    for (let i = 0; i < 25; i++) await writeSidecar(a, `n${i}.txt`, sidecar([span(`a${i}`, 0, 3)]));
    for (let i = 0; i < 25; i++) await writeSidecar(b, `n${i}.txt`, sidecar([span(`b${i}`, 5, 9)]));
    const engine = new SyncEngine();
    const remote = viaProxy(2);
    const before = proxy.injected;
    try {
      const faults = [
        { direction: 'up' as const, afterBytes: 3000, mode: 'reset' as const, times: 6 },
        { direction: 'down' as const, afterBytes: 2000, mode: 'cut' as const, times: 6 },
        { direction: 'up' as const, afterBytes: 5000, mode: 'stall' as const, times: 2 },
      ];
      for (const [i, fault] of faults.entries()) {
        proxy.setFault(fault);
        for (const w of i % 2 ? [b, a] : [a, b]) {
          try {
            await engine.sync({ workspaceDir: w, remote });
          } catch {
            // a failed sync is allowed: it must just not lose anything
          }
        }
      }
      assert.ok(proxy.injected - before > 3);
      proxy.setFault(undefined);
      for (let round = 0; round < 3; round++) {
        for (const w of [a, b]) {
          const r = await engine.sync({ workspaceDir: w, remote });
          assert.deepEqual(r.errors, []);
        }
      }
    } finally {
      remote.close();
    }
    for (let i = 0; i < 25; i++) {
      const sa = await readSidecar(a, `n${i}.txt`);
      const sb = await readSidecar(b, `n${i}.txt`);
      assert.deepEqual(sa!.spans.map((s) => s.id), [`a${i}`, `b${i}`]);
      assert.deepEqual(sb, sa);
    }
  });
});
