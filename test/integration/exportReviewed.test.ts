import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { closeAll, runWithFirstLabel, sidelight, stored, writeSidecar } from './api';
import { scratchNotes } from './scratchNotes';

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
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sidelight-export-'));
  try {
    const out = path.join(dir, 'annotations.jsonl');
    // The first row of the "which notes" question is "Reviewed notes".
    const message = await runWithFirstLabel<string>('sidelight.exportAnnotations', { format: 'jsonl', out, ...request });
    const text = await fs.readFile(out, 'utf8');
    return { rows: text.trim().split('\n').map((l) => JSON.parse(l) as Row), message: message ?? '' };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

suite('export from the editor', () => {
  teardown(closeAll);
  const notes = scratchNotes();
  /** This test's copies: one only pre-annotated, one marked done with no labels. */
  let unreviewed = '';
  let negative = '';

  setup(async () => {
    await sidelight();
    const copy = await notes.copy(UNREVIEWED, 'export-unreviewed');
    const word = copy.text.match(/[A-Za-z]{6,}/)?.[0];
    assert.ok(word, 'the note has a word to suggest');
    const at = copy.text.indexOf(word);
    await writeSidecar(copy.name, [stored(copy.text, 'never-reviewed', 'ADE', [at, at + word.length])]);
    negative = (await notes.copy(NEGATIVE, 'export-negative')).name;
    await writeSidecar(negative, [], true);
    unreviewed = copy.name;
  });

  test('exports reviewed notes only, each row saying whether its note is done, and says what it left out', async () => {
    const { rows, message } = await exported({});
    assert.ok(!rows.some((r) => r.file === `notes/${unreviewed}`), 'the pre-annotated, unreviewed note is left out');
    const negativeRow = rows.find((r) => r.file === `notes/${negative}`);
    assert.deepEqual([negativeRow?.spans, negativeRow?.done], [[], true], 'a note marked done without labels is a true negative');
    for (const r of rows) assert.ok(r.done === true || (r.done === false && r.spans.length > 0), `${r.file}: done ${r.done}, ${r.spans.length} span(s)`);
    assert.match(message, /Left out: .*not reviewed yet/);
    assert.match(message, /unreviewed suggestion/);
  });

  test('offers "only notes marked done"', async () => {
    const { rows, message } = await exported({ notes: 'done' });
    assert.ok(rows.length > 0);
    assert.ok(rows.every((r) => r.done === true), rows.map((r) => `${r.file} ${r.done}`).join(', '));
    assert.match(message, /exported \d+ labels? of \d+ notes? \(all marked done\)/);
  });
});
