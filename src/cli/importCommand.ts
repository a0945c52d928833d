import * as path from 'node:path';
import { FORMAT_NAMES } from '../core/annotations/formats';
import { importFile } from '../core/annotations/importExport';
import { importSuggestions, suggestionFiles } from '../core/annotations/importSuggestions';
import { gitUserName } from '../core/gitAuthor';
import { count } from '../core/plural';
import { CliIO, Command, parseCommandArgs, UsageError } from './args';

const USAGE = `Usage: sidelight import --format F --workspace DIR [--source S] [--author NAME] FILE
       sidelight import --as-suggestions --workspace DIR [--notes-dir D] [--source S] PATH…

Imports annotations into the workspace's sidecars (.sidelight/annotations/). Each row's text must equal
the note on disk; spans already present (same label and fragments) are not added again.

  --format F      ${FORMAT_NAMES.join(' | ')}
                  jsonl: the interchange JSONL, UTF-16 offsets, rows name their note with "file"
                  brat:  a folder of .txt/.ann pairs (brat counts code points: converted)
                  spacy: Prodigy/spaCy JSONL, code-point offsets (converted)
                  conll: BIO, one token per line
  --workspace DIR the workspace folder (holds .sidelight/)
  --source S      "import" (default: spans are accepted) or "model:<name>@<version>" (suggestions)
  --author NAME   who the labels are from (an annotator of another tool, for sidelight agreement);
                  default: git's user.name in the workspace, else "import"

  --as-suggestions  predictions made elsewhere (the Spark job's JSONL output, docs/spark.md, or predict
                  --jsonl output) become pre-annotations to review, as "Pre-annotate" makes them: status
                  suggested, source model:<name>@<version> from each row's model_name/model_version (else
                  --source), never over text that already has a span. PATH: JSONL files, or folders of
                  them (Spark's part files). Rows for notes not in the workspace, rows predicted on another
                  version of a note's text, and rows the job failed on are counted and skipped; exit 1 on
                  malformed rows, or when no row matched a note.
  --notes-dir D   the folder, relative to the workspace, that rows' "id"s are relative to (the Spark job's
                  ids are paths relative to its --input); a row's "file" is relative to the workspace`;

export const importCommand: Command = {
  name: 'import',
  summary: 'import annotations (jsonl, brat, spacy, conll) into the workspace',
  usage: USAGE,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, {
      format: { type: 'string' },
      workspace: { type: 'string' },
      source: { type: 'string' },
      'as-suggestions': { type: 'boolean' },
      'notes-dir': { type: 'string' },
      author: { type: 'string' },
    });
    if (values['as-suggestions']) return asSuggestions(values, positionals, io);
    if (values['notes-dir'] !== undefined) throw new UsageError('--notes-dir goes with --as-suggestions');
    if (values.author !== undefined && !values.author.trim()) throw new UsageError('--author needs a name');
    if (!values.format) throw new UsageError('--format is required');
    if (!values.workspace) throw new UsageError('--workspace is required');
    if (positionals.length !== 1) throw new UsageError('give exactly one FILE to import');
    const workspace = path.resolve(values.workspace);
    const author = values.author?.trim() ?? (await gitUserName(workspace)) ?? 'import';
    const report = await importFile(workspace, values.format, positionals[0], { source: values.source, author });
    for (const e of report.errors) io.stderr.write(`${e.message}\n`);
    const links =
      report.relationsAdded + report.relationsDuplicate + report.attributesSet + report.attributesKept > 0
        ? `; ${count(report.relationsAdded, 'relation')} (${report.relationsDuplicate} already present), ${count(report.attributesSet, 'attribute value')} (${report.attributesKept} left as they were)`
        : '';
    const votes = report.voted ? `, ${count(report.voted, 'vote')} added to another annotator's identical label` : '';
    io.stderr.write(`imported ${count(report.added, 'span')} into ${count(report.notes, 'note')} as ${JSON.stringify(author)}; ${report.duplicates} already present${votes}${links}; ${count(report.errors.length, 'problem')}\n`);
    return report.errors.length ? 1 : 0;
  },
};

async function asSuggestions(values: { format?: string; workspace?: string; source?: string; 'notes-dir'?: string }, positionals: string[], io: CliIO): Promise<number> {
  if (values.format !== undefined && values.format !== 'jsonl') throw new UsageError('--as-suggestions reads JSONL rows: --format jsonl or none');
  if (!values.workspace) throw new UsageError('--workspace is required');
  if (!positionals.length) throw new UsageError('give the JSONL files or folders to import');
  if (values.source !== undefined && !values.source.startsWith('model:')) throw new UsageError('--source with --as-suggestions must be model:<name>@<version>');
  const files = (await Promise.all(positionals.map((p) => suggestionFiles(path.resolve(p))))).flat();
  const r = await importSuggestions(path.resolve(values.workspace), files, { notesDir: values['notes-dir'], source: values.source });
  for (const e of r.errors.slice(0, 50)) io.stderr.write(`${e.message}\n`);
  if (r.errors.length > 50) io.stderr.write(`… and ${count(r.errors.length - 50, 'more problem')}\n`);
  io.stderr.write(
    `imported ${count(r.added, 'suggestion')} into ${count(r.notes, 'note')} from ${count(r.rows, 'row')}; ${r.duplicates} already present, ${r.overlapping} over existing spans; ` +
      `skipped ${count(r.notInWorkspace, 'row')} for notes not in the workspace, ${r.stale} predicted on another version of the note, ${r.failedRows} failed in the job; ${count(r.errors.length, 'problem')}\n`,
  );
  if (r.rows > 0 && r.notes === 0) io.stderr.write(`no row matched a note of the workspace${values['notes-dir'] ? '' : ' (ids relative to a folder? --notes-dir)'}\n`);
  return r.errors.length || (r.rows > 0 && r.notes === 0) ? 1 : 0;
}
