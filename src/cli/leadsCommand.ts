import { errorMessage } from '../core/errors';
import { noteLeads, NoteLeads, rankByLeads } from '../core/model/sideEffectLeads';
import { CliIO, Command, numberOption, parseCommandArgs, UsageError } from './args';
import { readNoteFile } from './noteFile';
import { describeModel, loadModel, MODEL_OPTIONS, MODEL_USAGE } from './modelOption';

const USAGE = `Usage: sidelight leads [--model DIR | --workspace DIR] [--top N] [--json] FILE…

Ranks text notes by how likely they are to hold a side effect, to choose which to label first: the model's
predicted side effects, and the sentences with causal wording and a drug near them where it predicted none
(docs/leads.md). Prints one line per note that has a lead, most likely first: score, predicted side
effects, sentences to check, path. Reads no labels: for a pile of notes before labelling (the editor's
*Find notes likely to hold side effects* also leaves out what was labelled and notes marked done).

  --top N           only the first N notes
  --json            one JSON row per note instead: {"file", "score", "predicted", "cueSentences",
                    "leads": [{"kind": "predicted"|"cue", "start", "end", "text", "cue"?, "score"}]}
                    (UTF-16 offsets, end exclusive)
${MODEL_USAGE}

A file that cannot be read is reported on stderr; the others are still ranked, and the exit code is 1.`;

export const leadsCommand: Command = {
  name: 'leads',
  summary: 'rank text notes by how likely they hold a side effect, with the sentences to check',
  usage: USAGE,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, { ...MODEL_OPTIONS, top: { type: 'string' }, json: { type: 'boolean' } });
    const top = numberOption(values.top, 'top', 1, Number.MAX_SAFE_INTEGER);
    if (top !== undefined && !Number.isInteger(top)) throw new UsageError('--top must be a whole number');
    if (!positionals.length) throw new UsageError('no input: give text FILEs');
    let failed = false;
    const notes: { file: string; text: string }[] = [];
    for (const file of positionals) {
      try {
        notes.push({ file, text: await readNoteFile(file) });
      } catch (e) {
        failed = true;
        io.stderr.write(`sidelight leads: ${errorMessage(e)}\n`);
      }
    }
    const { runner } = await loadModel(values);
    io.stderr.write(`sidelight leads: model ${describeModel(runner)}\n`);
    try {
      const predicted = await runner.predictBatch(
        notes.map((n) => n.text),
        { signal: io.signal, contextFilter: !values['no-context-filter'] },
      );
      const ranked = rankByLeads(notes.map((n, i) => ({ key: n.file, text: n.text, leads: noteLeads(n.text, predicted[i]) }))).slice(0, top);
      for (const n of ranked) io.stdout.write((values.json ? jsonRow(n.key, n.text, n.leads) : textRow(n.key, n.leads)) + '\n');
      io.stderr.write(`sidelight leads: ${ranked.length} of ${notes.length} notes listed\n`);
    } finally {
      await runner.dispose();
    }
    return failed ? 1 : 0;
  },
};

const textRow = (file: string, l: NoteLeads) => `${l.score.toFixed(2).padStart(6)}  ${String(l.predicted).padStart(3)} predicted  ${String(l.cueSentences).padStart(3)} to check  ${file}`;

function jsonRow(file: string, text: string, l: NoteLeads): string {
  const leads = l.leads.map((x) => ({ kind: x.kind, start: x.start, end: x.end, text: text.slice(x.start, x.end), ...(x.cue === undefined ? {} : { cue: x.cue }), score: x.score }));
  return JSON.stringify({ file, score: l.score, predicted: l.predicted, cueSentences: l.cueSentences, leads });
}
