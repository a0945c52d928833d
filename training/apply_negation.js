#!/usr/bin/env node
// Applies the core context post-step (src/core/model/contextRules.ts, applyContextRules: add cued ADEs
// with cuedAdes.ts, then drop ADEs in negated/hypothetical/ROS context with negation.ts) to the rows of a
// predictions JSONL made with `sidelight predict --no-context-filter --jsonl`, to measure it.
//   npm run compile-tests   # or: npx esbuild src/core/model/contextRules.ts --bundle --platform=node --format=cjs --outfile=/tmp/context.js
//   node training/apply_negation.js [--drop-only] < pred.jsonl > pred.ctx.jsonl     (counts per rule on stderr)
// --drop-only: only the drop step (the post-step before cuedAdes.ts existed), for before/after tables.
// NEGATION_JS: the compiled module (default out/src/core/model/contextRules.js); SHOW=1 lists each change.
const fs = require('node:fs');
const path = require('node:path');
const mod = process.env.NEGATION_JS || path.join(__dirname, '..', 'out', 'src', 'core', 'model', 'contextRules.js');
const { contextDropReasons, findCuedAdes } = require(mod);
const dropOnly = process.argv.includes('--drop-only');
if (!dropOnly && !findCuedAdes) throw new Error(`${mod} has no findCuedAdes: compile src/core/model/contextRules.ts, or pass --drop-only`);
const lines = fs.readFileSync(0, 'utf8').split('\n').filter((l) => l.trim());
const added = {};
const dropped = {};
const out = [];
const show = (what, r, s) => process.env.SHOW && process.stderr.write(`${what}\t${r.id || r.file}\t${s.text}\n`);
for (const l of lines) {
  const r = JSON.parse(l);
  if (!dropOnly) {
    const cued = findCuedAdes(r.text, r.spans);
    for (const c of cued) {
      added[c.cue] = (added[c.cue] || 0) + 1;
      show(`+${c.cue}`, r, c.span);
    }
    // the same result as addCuedAdes: the input spans plus the added ones, by position
    r.spans = [...r.spans, ...cued.map((c) => c.span)].sort((a, b) => a.start - b.start || a.end - b.end || a.label.localeCompare(b.label));
  }
  const why = contextDropReasons(r.text, r.spans);
  why.forEach((w, i) => {
    if (w) {
      dropped[w] = (dropped[w] || 0) + 1;
      show(`-${w}`, r, r.spans[i]);
    }
  });
  r.spans = r.spans.filter((_, i) => !why[i]);
  out.push(JSON.stringify(r));
}
process.stdout.write(out.join('\n') + '\n');
process.stderr.write(`${dropOnly ? '' : `added: ${JSON.stringify(added)}; `}dropped: ${JSON.stringify(dropped)}\n`);
