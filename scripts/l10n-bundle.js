#!/usr/bin/env node
// Writes l10n/bundle.l10n.json, the English bundle of the strings the extension's code shows (messages,
// pickers, hovers, status texts, the panel's page): every `l10n.t('…')` message under src/ (core modules
// included: they take an `L10n`, src/core/l10n.ts) and webview/ (which uses @vscode/l10n with this same
// bundle, handed over by the host: src/vscode/panel/panelViewProvider.ts), mapped to itself. A translator
// copies it to bundle.l10n.<locale>.json and translates the values; VS Code finds the file through
// `"l10n": "./l10n"` in package.json. Run it after adding or changing a message: `npm run l10n`; the unit
// test test/unit/manifest/l10nBundle.test.ts fails while the committed bundle is stale.
// A message must be a string literal (placeholders `{0}` for the parts that vary): a key built at run time
// would be missing from every bundle, so the script fails with file:line on one.
// Written here rather than taken from @vscode/l10n-dev to add no dependency; it reads the sources with the
// TypeScript compiler the project already has, so comments and strings that merely mention l10n.t are not calls.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const root = path.join(__dirname, '..');
/** The folders whose .ts files are scanned: the extension's code and the panel's page. */
const sourceDirs = ['src', 'webview'].map((d) => path.join(root, d));
const bundlePath = path.join(root, 'l10n', 'bundle.l10n.json');

/** `l10n.t(…)` and `vscode.l10n.t(…)`: a call of `t` on something named `l10n`. */
function isL10nCall(node) {
  if (!ts.isCallExpression(node) || !ts.isPropertyAccessExpression(node.expression)) return false;
  const { expression: owner, name } = node.expression;
  if (name.text !== 't') return false;
  return (ts.isIdentifier(owner) && owner.text === 'l10n') || (ts.isPropertyAccessExpression(owner) && owner.name.text === 'l10n');
}

/** The messages of one source file, and a `file:line: …` problem for each call whose message is not a literal. */
function messagesOf(fileName, text) {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const messages = [];
  const problems = [];
  const visit = (node) => {
    if (isL10nCall(node)) {
      const first = node.arguments[0];
      if (first && (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first))) messages.push(first.text);
      else {
        const { line } = source.getLineAndCharacterOfPosition((first ?? node).getStart(source));
        problems.push(`${fileName}:${line + 1}: the message of l10n.t must be a string literal (use {0} placeholders), not ${first ? first.getText(source) : 'nothing'}`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { messages, problems };
}

/** Every .ts file under src/ and webview/, in a stable order. */
function sourceFiles() {
  return sourceDirs.flatMap((dir) =>
    fs
      .readdirSync(dir, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.ts'))
      .sort()
      .map((f) => path.join(dir, f)),
  );
}

/** The bundle the sources call for (keys sorted, each English message its own value), and the problems found. */
function collectBundle() {
  const bundle = {};
  const problems = [];
  for (const file of sourceFiles()) {
    const found = messagesOf(path.relative(root, file).split(path.sep).join('/'), fs.readFileSync(file, 'utf8'));
    for (const m of found.messages) bundle[m] = m;
    problems.push(...found.problems);
  }
  const sorted = {};
  for (const key of Object.keys(bundle).sort()) sorted[key] = bundle[key];
  return { bundle: sorted, problems };
}

/** The file's text, as written and as the unit test compares it. */
function bundleText(bundle) {
  return `${JSON.stringify(bundle, null, 2)}\n`;
}

function main() {
  const { bundle, problems } = collectBundle();
  if (problems.length) {
    for (const p of problems) console.error(p);
    process.exit(1);
  }
  fs.mkdirSync(path.dirname(bundlePath), { recursive: true });
  // Atomic: a reader (the packager, a translator's tool) never sees half a file.
  const tmp = `${bundlePath}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, bundleText(bundle));
  fs.renameSync(tmp, bundlePath);
  console.log(`l10n/bundle.l10n.json: ${Object.keys(bundle).length} messages`);
}

module.exports = { messagesOf, collectBundle, bundleText, bundlePath };
if (require.main === module) main();
