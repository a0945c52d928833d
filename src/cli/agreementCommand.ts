import { agreementReport, AgreementReport, annotatorsOf, PairAgreement, SpanAgreement } from '../core/agreement/pairwiseAgreement';
import { readWorkspaceAgreementInput } from '../core/agreement/workspaceAgreementInput';
import { CliIO, Command, parseCommandArgs, UsageError } from './args';
import { requireWorkspace } from './remoteOption';
import { count } from '../core/plural';

const USAGE = `Usage: sidelight agreement --workspace DIR [--annotators A,B[,C…]] [--json]

Agreement between annotators, for every pair, over the notes both of them finished:
  - span F1 per label and over all labels, strict (same label and fragments) and lenient (same label and
    overlapping; each span paired at most once, greedily by overlap). F1 = 2·matched / (spans of A + of B);
  - Cohen's kappa over the notes' words (split as the default model splits them: on whitespace, each
    punctuation mark a word), each word labelled with the label of the spans over it, or O; per note and
    pooled over the notes;
  - the notes, most disagreement first (most words labelled differently, then most spans without an
    exact match); the text report shows the first 10 of each pair, --json all of them.

Who labelled what: each annotator's votes on the spans (a span two people labelled counts for both; only
accepted votes count). A note counts as finished by those who marked it done. In sidecars from before
votes (version 1 and 2), a span's annotator is its "author" and a done note counts for the authors of its
accepted or rejected spans (a done note where someone labelled and rejected nothing is not counted for
them: the sidecar cannot tell it from a note they never opened).

  --workspace DIR        the workspace folder (holding .sidelight/)
  --annotators A,B       compare only these annotators (default: everyone who finished a note)
  --json                 one JSON line instead of the text report:
                         {"annotators":[…],"pairs":[{"a","b","notes","tokens","labels":{"ADE":{"strict":
                         {"f1","matched","a","b"},"lenient":{…}}},"overall":{"strict","lenient","kappa",
                         "observed"},"byNote":[{"note","tokens","disagreeingTokens","kappa","observed",
                         "strict","lenient"}]}]}; f1 and kappa are null where undefined

Exit code 0; 1 when a sidecar or note could not be read (named on stderr; the others still count);
2 for a usage error, such as an annotator who finished no note.`;

const SHOWN_NOTES = 10;

const num = (x: number | null, digits = 3): string => (x === null ? '—' : x.toFixed(digits));
const f1Cell = (s: SpanAgreement): string => `${num(s.f1)} (${s.matched}/${s.a}/${s.b})`;

function formatPair(p: PairAgreement): string {
  const lines = [`${p.a} vs ${p.b}: ${count(p.notes, 'note')} finished by both, ${count(p.tokens, 'word')}`];
  if (!p.notes) return lines.join('\n');
  const names = Object.keys(p.labels);
  const w = Math.max(8, ...names.map((n) => n.length + 2));
  const cell = 24;
  lines.push(`  ${'label'.padEnd(w)}${'strict F1'.padEnd(cell)}${'lenient F1'.padEnd(cell)}(matched/${p.a}/${p.b})`);
  for (const n of names) lines.push(`  ${n.padEnd(w)}${f1Cell(p.labels[n].strict).padEnd(cell)}${f1Cell(p.labels[n].lenient)}`);
  lines.push(`  ${'all'.padEnd(w)}${f1Cell(p.overall.strict).padEnd(cell)}${f1Cell(p.overall.lenient)}`);
  lines.push(`  word kappa ${num(p.overall.kappa)} (observed agreement ${num(p.overall.observed)})`);
  lines.push('  notes, most disagreement first:');
  for (const n of p.byNote.slice(0, SHOWN_NOTES)) {
    lines.push(`    ${n.note}: ${n.disagreeingTokens} of ${count(n.tokens, 'word')} differ, kappa ${num(n.kappa)}, strict F1 ${num(n.strict.f1)}, lenient F1 ${num(n.lenient.f1)}`);
  }
  if (p.byNote.length > SHOWN_NOTES) lines.push(`    … ${p.byNote.length - SHOWN_NOTES} more (--json lists them all)`);
  return lines.join('\n');
}

export function formatAgreement(report: AgreementReport): string {
  return report.pairs.map(formatPair).join('\n\n');
}

export const agreementCommand: Command = {
  name: 'agreement',
  summary: 'agreement between annotators: span F1 per label and word-level Cohen\'s kappa',
  usage: USAGE,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, {
      workspace: { type: 'string' },
      annotators: { type: 'string' },
      json: { type: 'boolean' },
    });
    const workspaceDir = requireWorkspace(values, positionals);
    let wanted: string[] | undefined;
    if (values.annotators !== undefined) {
      wanted = values.annotators.split(',').map((a) => a.trim());
      if (wanted.some((a) => !a)) throw new UsageError(`--annotators must be names separated by commas, got ${JSON.stringify(values.annotators)}`);
      if (new Set(wanted).size !== wanted.length) throw new UsageError(`--annotators names an annotator twice: ${JSON.stringify(values.annotators)}`);
      if (wanted.length < 2) throw new UsageError('--annotators needs two names or more');
    }
    const input = await readWorkspaceAgreementInput(workspaceDir);
    for (const e of input.errors) io.stderr.write(`sidelight agreement: ${e.message}\n`);
    const known = annotatorsOf(input.notes);
    const unknown = (wanted ?? []).filter((a) => !known.includes(a));
    if (unknown.length) {
      throw new UsageError(`${unknown.map((a) => JSON.stringify(a)).join(', ')} finished no note in this workspace (annotators who did: ${known.length ? known.join(', ') : 'none'})`);
    }
    if (!wanted && known.length < 2) {
      io.stderr.write(
        `sidelight agreement: ${known.length ? `only ${known[0]} finished` : 'nobody finished'} a note (of ${count(input.sidecars, 'sidecar')}); agreement needs two annotators\n`,
      );
      return 1;
    }
    const report = agreementReport(input.notes, wanted ?? known);
    io.stdout.write(values.json ? JSON.stringify(report) + '\n' : formatAgreement(report) + '\n');
    return input.errors.length ? 1 : 0;
  },
};
