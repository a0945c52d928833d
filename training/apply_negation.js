#!/usr/bin/env node
// Applies the core negation/hypothetical post-step (src/core/model/negation.ts, dropNegatedAdes) to the
// rows of a predictions JSONL (e.g. `sidelight predict --jsonl`), to measure it before it is wired in.
//   npm run compile-tests   # or: npx esbuild src/core/model/negation.ts --format=cjs --outfile=out/src/core/model/negation.js
//   node training/apply_negation.js < pred.jsonl > pred.neg.jsonl      (counts per reason on stderr)
const fs = require('node:fs');
const path = require('node:path');
const mod = process.env.NEGATION_JS || path.join(__dirname, '..', 'out', 'src', 'core', 'model', 'negation.js');
const { contextDropReasons } = require(mod);
const lines = fs.readFileSync(0, 'utf8').split('\n').filter((l) => l.trim());
const counts = {};
const out = [];
for (const l of lines) {
  const r = JSON.parse(l);
  const why = contextDropReasons(r.text, r.spans);
  why.forEach((w, i) => {
    if (w) {
      counts[w] = (counts[w] || 0) + 1;
      if (process.env.SHOW) process.stderr.write(`${w}\t${r.id || r.file}\t${r.spans[i].text}\n`);
    }
  });
  r.spans = r.spans.filter((_, i) => !why[i]);
  out.push(JSON.stringify(r));
}
process.stdout.write(out.join('\n') + '\n');
process.stderr.write(`dropped: ${JSON.stringify(counts)}\n`);
