import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { closeAll, noteUri, runWithFirstLabel, sidelight, stored, writeSidecar } from './api';

/**
 * "Export annotations…" from the editor writes only reviewed material: a note that nobody reviewed (e.g.
 * only pre-annotated) must never become a row without spans, which a training job reads as a note with
 * nothing to find.
 */

const UNREVIEWED = 'orthopedic--orthopedic-consult-4-2090.txt';
const NEGATIVE = 'consult-history-and-phy--cardiac-consultation-7-4534.txt';

interface Row {
  file: string;
  spans: unknown[];
  done?: boolean;
}

async function exported(request: Record<string, unknown>): Promise<{ rows: Row[]; message: string }> {
  const out = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'sidelight-export-')), 'annotations.jsonl');
  // The first row of the "which notes" question is "Reviewed notes".
  const message = await runWithFirstLabel<string>('sidelight.exportAnnotations', { format: 'jsonl', out, ...request });
  const text = await fs.readFile(out, 'utf8');
  return { rows: text.trim().split('\n').map((l) => JSON.parse(l) as Row), message: message ?? '' };
}

suite('export from the editor', () => {
  teardown(closeAll);

  suiteSetup(async () => {
    await sidelight();
    const text = await fs.readFile(noteUri(UNREVIEWED).fsPath, 'utf8');
    const word = text.match(/[A-Za-z]{6,}/)?.[0];
    assert.ok(word, 'the note has a word to suggest');
    const at = text.indexOf(word);
    await writeSidecar(UNREVIEWED, [stored(text, 'never-reviewed', 'ADE', [at, at + word.length])]);
    await writeSidecar(NEGATIVE, [], true);
  });

  test('exports reviewed notes only, each row saying whether its note is done, and says what it left out', async () => {
    const { rows, message } = await exported({});
    assert.ok(!rows.some((r) => r.file === `notes/${UNREVIEWED}`), 'the pre-annotated, unreviewed note is left out');
    const negative = rows.find((r) => r.file === `notes/${NEGATIVE}`);
    assert.deepEqual([negative?.spans, negative?.done], [[], true], 'a note marked done without labels is a true negative');
    for (const r of rows) assert.ok(r.done === true || (r.done === false && r.spans.length > 0), `${r.file}: done ${r.done}, ${r.spans.length} span(s)`);
    assert.match(message, /Left out: .*not reviewed yet/);
    assert.match(message, /unreviewed suggestion/);
  });

  test('offers "only notes marked done"', async () => {
    const { rows, message } = await exported({ notes: 'done' });
    assert.ok(rows.length > 0);
    assert.ok(rows.every((r) => r.done === true), rows.map((r) => `${r.file} ${r.done}`).join(', '));
    assert.match(message, /exported \d+ label\(s\) of \d+ note\(s\) \(all marked done\)/);
  });
});
