import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { test } from 'node:test';
import { englishL10n } from '../../../src/vscode/localize';
import { repoRoot } from '../../harness/paths';

interface Found {
  messages: string[];
  problems: string[];
}
// The script that writes l10n/bundle.l10n.json is the one place that knows how a message is found.
const script = createRequire(__filename)(path.join(repoRoot, 'scripts', 'l10n-bundle.js')) as {
  messagesOf: (fileName: string, text: string) => Found;
  collectBundle: () => { bundle: Record<string, string>; problems: string[] };
  bundleText: (bundle: Record<string, string>) => string;
  bundlePath: string;
};

test('every l10n.t message of the code is a string literal', () => {
  const { problems } = script.collectBundle();
  assert.deepEqual(problems, []);
});

test('l10n/bundle.l10n.json holds exactly the messages of the code, each its own English value (run `npm run l10n`)', () => {
  const { bundle } = script.collectBundle();
  assert.ok(Object.keys(bundle).length > 250, `only ${Object.keys(bundle).length} messages found: the scan of src/ is broken`);
  // The panel's page (webview/, @vscode/l10n) shares the bundle: one of its messages is in it.
  assert.equal(bundle['Push and pin for the team'], 'Push and pin for the team', 'the scan of webview/ is broken');
  for (const [key, value] of Object.entries(bundle)) assert.equal(value, key);
  assert.equal(readFileSync(script.bundlePath, 'utf8'), script.bundleText(bundle), 'l10n/bundle.l10n.json is stale: run `npm run l10n`');
});

test('the scan finds literal messages, and names the file and line of a message built at run time', () => {
  const source = [
    "import * as vscode from 'vscode';",
    "vscode.l10n.t('Labelled {0} in {1}', a, b);",
    '// vscode.l10n.t(notACall) in a comment, and "l10n.t(x)" in a string, are not calls',
    'l10n.t(`Template {0}`, n);',
    'vscode.l10n.t(`Labelled ${n}`);',
    "vscode.l10n.t('Sidelight: ' + message);",
    'other.t(message);',
  ].join('\n');
  const { messages, problems } = script.messagesOf('src/x.ts', source);
  assert.deepEqual(messages, ['Labelled {0} in {1}', 'Template {0}']);
  assert.equal(problems.length, 2);
  assert.match(problems[0], /^src\/x\.ts:5: .*`Labelled \$\{n\}`/);
  assert.match(problems[1], /^src\/x\.ts:6: .*'Sidelight: ' \+ message/);
});

test('the manifest points VS Code at the bundle, and the packaged extension carries it', () => {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { l10n?: string };
  assert.equal(pkg.l10n, './l10n');
  const ignore = readFileSync(path.join(repoRoot, '.vscodeignore'), 'utf8').split('\n');
  assert.ok(ignore.includes('!l10n/**'), '.vscodeignore re-includes l10n/');
});

test('the English l10n of the pure view modules formats as vscode.l10n.t does for English', () => {
  assert.equal(englishL10n.t('Sidelight: {0} to push, {1} to pull', 3, 0), 'Sidelight: 3 to push, 0 to pull');
  // Braces that are no placeholder stay; an argument's own braces are not read as placeholders.
  assert.equal(englishL10n.t('Set {"remote"} for {0}', 'a{1}b', 'x'), 'Set {"remote"} for a{1}b');
  assert.equal(englishL10n.t('no {0} argument'), 'no {0} argument');
  assert.equal(englishL10n.t('{0} and {1}', 'one'), 'one and {1}');
});
