import * as path from 'node:path';
import { FORMAT_NAMES } from '../core/annotations/formats';
import { importFile } from '../core/annotations/importExport';
import { CliIO, Command, parseCommandArgs, UsageError } from './args';

const USAGE = `Usage: sidelight import --format F --workspace DIR [--source S] FILE

Imports annotations into the workspace's sidecars (.sidelight/annotations/). Each row's text must equal
the note on disk; spans already present (same label and fragments) are not added again.

  --format F      ${FORMAT_NAMES.join(' | ')}
                  jsonl: the interchange JSONL, UTF-16 offsets, rows name their note with "file"
                  brat:  a folder of .txt/.ann pairs (brat counts code points: converted)
                  spacy: Prodigy/spaCy JSONL, code-point offsets (converted)
                  conll: BIO, one token per line
  --workspace DIR the workspace folder (holds .sidelight/)
  --source S      "import" (default: spans are accepted) or "model:<name>@<version>" (suggestions)`;

export const importCommand: Command = {
  name: 'import',
  summary: 'import annotations (jsonl, brat, spacy, conll) into the workspace',
  usage: USAGE,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, {
      format: { type: 'string' },
      workspace: { type: 'string' },
      source: { type: 'string' },
    });
    if (!values.format) throw new UsageError('--format is required');
    if (!values.workspace) throw new UsageError('--workspace is required');
    if (positionals.length !== 1) throw new UsageError('give exactly one FILE to import');
    const report = await importFile(path.resolve(values.workspace), values.format, positionals[0], { source: values.source });
    for (const e of report.errors) io.stderr.write(`${e.message}\n`);
    io.stderr.write(`imported ${report.added} span(s) into ${report.notes} note(s); ${report.duplicates} already present; ${report.errors.length} problem(s)\n`);
    return report.errors.length ? 1 : 0;
  },
};
