import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../../../src/core/errors';
import { FileRemote } from '../../../src/core/sync/fileRemote';
import { openRemote, parseRemoteConfig, readRemoteConfig, resolveRemote } from '../../../src/core/sync/remoteConfig';
import { S3Remote } from '../../../src/core/sync/s3Remote';
import { cleanupScratch, scratchDir } from './helpers';

after(cleanupScratch);

async function workspace(config?: string): Promise<string> {
  const d = await scratchDir('sidelight-config-');
  if (config !== undefined) {
    await fs.mkdir(path.join(d, '.sidelight'));
    await fs.writeFile(path.join(d, '.sidelight', 'config.json'), config);
  }
  return d;
}

describe('remote configuration', () => {
  it('no config and no override → no remote', async () => {
    assert.equal(await resolveRemote(await workspace()), undefined);
    assert.deepEqual(await readRemoteConfig(await workspace('{}')), { s3: {} });
  });

  it('reads s3 settings; the override (setting / --remote) wins over config.json', async () => {
    const ws = await workspace(JSON.stringify({ remote: 's3://team-bucket/sidelight', s3: { region: 'eu-west-1', profile: 'lab', sse: 'aws:kms', kmsKeyId: 'k-1' } }));
    const cfg = await readRemoteConfig(ws);
    assert.deepEqual(cfg, { remote: 's3://team-bucket/sidelight', s3: { region: 'eu-west-1', profile: 'lab', sse: 'aws:kms', kmsKeyId: 'k-1' } });
    const r = await resolveRemote(ws);
    assert.ok(r instanceof S3Remote);
    assert.equal(r.url, 's3://team-bucket/sidelight');
    r.close();
    const elsewhere = await scratchDir('sidelight-elsewhere-');
    const o = await resolveRemote(ws, { override: `file://${elsewhere}` });
    assert.ok(o instanceof FileRemote);
    assert.equal(o.url, `file://${elsewhere}`);
  });

  it('file: URLs, absolute or relative to the workspace', async () => {
    const ws = await workspace('{"remote": "file:../shared-remote"}');
    await fs.mkdir(path.resolve(ws, '..', 'shared-remote'), { recursive: true });
    try {
      const r = await resolveRemote(ws);
      assert.equal(r?.url, `file://${path.resolve(ws, '..', 'shared-remote')}`);
    } finally {
      await fs.rm(path.resolve(ws, '..', 'shared-remote'), { recursive: true, force: true });
    }
    assert.equal(openRemote('file:///srv/x').url, 'file:///srv/x');
  });

  it('a folder remote that is missing, empty, the workspace itself or above it is refused, not created', async () => {
    const ws = await workspace();
    const refused: [string, RegExp][] = [
      ['file:', /names no folder/],
      ['file://', /names no folder/],
      ['file:.', /is the workspace folder or a folder above it/],
      [`file://${path.dirname(ws)}`, /is the workspace folder or a folder above it/],
      [`file://${ws}-typo`, /no such folder/],
    ];
    for (const [url, problem] of refused) {
      await assert.rejects(resolveRemote(ws, { override: url }), problem, url);
      await assert.rejects(resolveRemote(await workspace(JSON.stringify({ remote: url }))), problem, `${url} in config.json`);
    }
    await assert.rejects(fs.stat(`${ws}-typo`), /ENOENT/, 'nothing created');
  });

  const bad: [string, RegExp][] = [
    ['{', /not valid JSON/],
    ['[]', /expected a JSON object/],
    ['{"remote": 3}', /"remote" must be a string/],
    ['{"remote": "http://x"}', /neither s3:\/\/bucket\/prefix nor file/],
    ['{"remote": "s3://"}', /not an s3:\/\/bucket\/prefix URL/],
    ['{"s3": []}', /"s3" must be an object/],
    ['{"s3": {"region": 1}}', /"s3.region" must be a string/],
    ['{"s3": {"sse": "none"}}', /"s3.sse" must be "AES256" or "aws:kms"/],
    ['{"s3": {"forcePathStyle": "yes"}}', /forcePathStyle/],
    ['{"s3": {"secretAccessKey": "x"}}', /credentials are never read from config\.json/],
    ['{"s3": {"regoin": "x"}}', /unknown setting "s3.regoin"/],
    ['{"s3": {"kmsKeyId": "k"}}', /needs "s3.sse": "aws:kms"/],
    ['{"s3": {"endpoint": "localhost:9000"}}', /must be an http\(s\) URL/],
  ];
  for (const [text, re] of bad) {
    it(`refuses ${text} with a message naming the file`, () => {
      assert.throws(
        () => parseRemoteConfig(text, '.sidelight/config.json'),
        (e: unknown) => e instanceof InputError && e.message.startsWith('.sidelight/config.json') && re.test(e.message),
      );
    });
  }

  it('a bad --remote is refused too', async () => {
    await assert.rejects(resolveRemote(await workspace(), { override: 'ftp://x' }), InputError);
  });
});
