import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../harness/paths';

type UserString = [key: string, holder: Record<string | number, unknown>, prop: string | number];
// The script that moves literal strings into package.nls.json knows which manifest fields a user reads.
const { userStrings } = createRequire(__filename)(path.join(repoRoot, 'scripts', 'manifest-nls.js')) as { userStrings: (pkg: unknown) => UserString[] };

const read = (name: string) => JSON.parse(readFileSync(path.join(repoRoot, name), 'utf8')) as Record<string, unknown>;

test('every title, name and description of package.json is a %key% of package.nls.json (run `npm run nls`)', () => {
  const nls = read('package.nls.json');
  const strings = userStrings(read('package.json'));
  assert.ok(strings.length > 50, `only ${strings.length} user-facing strings found: the walk over the manifest is broken`);
  for (const [key, holder, prop] of strings) {
    assert.equal(holder[prop], `%${key}%`, `package.json ${key}: a literal string (run \`npm run nls\`)`);
    assert.equal(typeof nls[key], 'string', `package.nls.json has no "${key}"`);
  }
  const used = new Set(strings.map(([key]) => key));
  assert.deepEqual(Object.keys(nls).filter((k) => !used.has(k)), [], 'package.nls.json keys that nothing uses');
});

test('the packaged extension carries package.nls.json', () => {
  const ignore = readFileSync(path.join(repoRoot, '.vscodeignore'), 'utf8').split('\n');
  assert.ok(ignore.includes('!package.nls.json'), '.vscodeignore re-includes package.nls.json');
});
