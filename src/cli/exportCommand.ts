import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { FORMAT_NAMES } from '../core/annotations/formats';
import { exportWorkspace } from '../core/annotations/importExport';
import { writeFileAtomic } from '../core/fs/atomicWrite';
import { CliIO, Command, parseCommandArgs, UsageError } from './args';
import { count } from '../core/plural';

const USAGE = `Usage: sidelight export --format F --workspace DIR [--out PATH] [--include-suggested | --gold]

Exports the workspace's accepted labels. Text formats go to stdout unless --out is given; brat writes a
folder (--out required).

  --format F            ${FORMAT_NAMES.join(' | ')} (jsonl: UTF-16 offsets; spacy and brat: code points)
  --workspace DIR       the workspace folder (holds .sidelight/)
  --out PATH            a file (jsonl, spacy, conll) or a folder (brat)
  --include-suggested   also export model suggestions not yet reviewed
  --gold                only the adjudicated notes (Sidelight: Adjudicate note), with their gold labels:
                        what every annotator accepted, and the adjudicator's decisions where they differed`;

export const exportCommand: Command = {
  name: 'export',
  summary: 'export the workspace\'s labels (jsonl, brat, spacy, conll)',
  usage: USAGE,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values } = parseCommandArgs(argv, {
      format: { type: 'string' },
      workspace: { type: 'string' },
      out: { type: 'string' },
      'include-suggested': { type: 'boolean' },
      gold: { type: 'boolean' },
    });
    if (values.gold && values['include-suggested']) throw new UsageError('--gold writes adjudicated labels only: it cannot include suggestions');
    if (!values.format) throw new UsageError('--format is required');
    if (!values.workspace) throw new UsageError('--workspace is required');
    const result = await exportWorkspace(path.resolve(values.workspace), values.format, { includeSuggested: values['include-suggested'], ...(values.gold ? { notes: 'gold' as const } : {}) });
    if (result.output.kind === 'text') {
      if (values.out) await writeFileAtomic(path.resolve(values.out), result.output.text);
      else io.stdout.write(result.output.text);
    } else {
      if (!values.out) throw new UsageError(`--format ${values.format} writes a folder: give --out DIR`);
      await fs.mkdir(values.out, { recursive: true });
      for (const [rel, content] of result.output.files) await writeFileAtomic(path.join(path.resolve(values.out), rel), content);
    }
    for (const w of result.warnings) io.stderr.write(`warning: ${w}\n`);
    for (const e of result.errors) io.stderr.write(`${e.message}\n`);
    const s = result.skipped;
    const relations = result.relations + (s.relations ?? 0) > 0 ? ` and ${count(result.relations, 'relation')}` : '';
    const relationsLeftOut = s.relations ? `, ${count(s.relations, 'relation')}` : '';
    const notAdjudicated = result.notesLeftOut.notAdjudicated ? `, ${count(result.notesLeftOut.notAdjudicated, 'note')} not adjudicated` : '';
    io.stderr.write(`exported ${count(result.spans, 'span')}${relations} of ${count(result.notes, 'note')}; left out: ${s.rejected} rejected, ${s.suggested} suggested, ${s.orphan} orphan${relationsLeftOut}${notAdjudicated}\n`);
    return result.errors.length ? 1 : 0;
  },
};
