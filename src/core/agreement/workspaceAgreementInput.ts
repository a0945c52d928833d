import * as path from 'node:path';
import { AnnotationStore } from '../annotations/annotationStore';
import { readNoteText } from '../annotations/noteFiles';
import { reanchorSpans } from '../annotations/reanchor';
import { fragmentsPastEnd, sha256, Sidecar } from '../annotations/sidecar';
import { acceptedBy, votesOf } from '../annotations/votes';
import { ANNOTATIONS_DIR } from '../workspaceLayout';
import { InputError } from '../errors';
import { symlinkBelow, SymlinkRefusedError } from '../fs/symlinks';
import { AgreementNote, AgreementSpan } from './agreementInput';

/**
 * The agreement input of a workspace, from its sidecars' votes (votes.ts: each annotator's own verdict on
 * a span, implied by `author` and `status` in sidecars from before votes):
 * - an annotator's spans in a note: the non-orphan spans they voted `accepted`;
 * - a note is finished by the annotators who marked it done (`doneBy`). A sidecar from before `doneBy`
 *   has one `done` flag for everyone: the note then counts as finished by those who voted on at least one
 *   of its spans (a model suggestion nobody reviewed proves nothing), and one finished without a vote
 *   cannot be told apart from one never opened, so it counts for nobody.
 * Read-only; a sidecar whose note changed since it was anchored is re-anchored in memory, as an export
 * does. A malformed sidecar, a missing note or a span past the end of its note is reported in `errors`
 * (naming the file) and left out; the rest still counts.
 */
export interface WorkspaceAgreementInput {
  notes: AgreementNote[];
  /** Sidecars read, done or not. */
  sidecars: number;
  errors: InputError[];
}

export async function readWorkspaceAgreementInput(workspaceDir: string): Promise<WorkspaceAgreementInput> {
  const link = await symlinkBelow(workspaceDir, path.join(workspaceDir, ...ANNOTATIONS_DIR.split('/')));
  if (link !== undefined) return { notes: [], sidecars: 0, errors: [new InputError(ANNOTATIONS_DIR, `${new SymlinkRefusedError(link).message}; nothing compared`)] };
  const store = new AnnotationStore(workspaceDir, { author: '' });
  const notes: AgreementNote[] = [];
  const errors: InputError[] = [];
  let sidecars = 0;
  try {
    for (const note of await store.listNotes()) {
      let sidecar;
      try {
        sidecar = await store.get(note);
      } catch (e) {
        if (e instanceof InputError) {
          errors.push(e);
          continue;
        }
        throw e;
      }
      sidecars++;
      if (!finishedBy(sidecar).length) continue;
      let text: string;
      try {
        text = await readNoteText(workspaceDir, note);
      } catch (e) {
        errors.push(new InputError(note, e instanceof SymlinkRefusedError ? `${e.message}; left out` : 'the note is missing; left out'));
        continue;
      }
      const read = agreementNote(note, sidecar, text);
      errors.push(...read.errors);
      if (read.note) notes.push(read.note);
    }
  } finally {
    store.dispose();
  }
  return { notes, sidecars, errors };
}

/** Who finished a note (see above). */
export function finishedBy(sidecar: Pick<Sidecar, 'done' | 'doneBy' | 'spans'>): string[] {
  if (sidecar.doneBy) return [...sidecar.doneBy];
  if (!sidecar.done) return [];
  return [...new Set(sidecar.spans.flatMap((s) => votesOf(s).map((v) => v.author)).filter((a) => a !== ''))].sort();
}

/**
 * One note's agreement input from its sidecar (as the store holds it, unsaved labels included) and its
 * text: undefined when it is not done or nobody finished it. Spans past the end of the text are errors.
 */
export function agreementNote(note: string, sidecar: Pick<Sidecar, 'done' | 'doneBy' | 'spans' | 'noteSha256'>, text: string): { note?: AgreementNote; errors: InputError[] } {
  const by = finishedBy(sidecar);
  if (!by.length) return { errors: [] };
  const errors: InputError[] = [];
  const spans = sidecar.noteSha256 !== sha256(text) ? reanchorSpans(text, sidecar.spans).spans : sidecar.spans;
  const byAuthor: Record<string, AgreementSpan[]> = {};
  for (const s of spans) {
    const accepted = acceptedBy(s);
    if (accepted.length === 0 || s.flags.includes('orphan')) continue;
    const past = fragmentsPastEnd(s.fragments, text.length);
    if (past) {
      errors.push(new InputError(`${ANNOTATIONS_DIR}/${note}.json`, `span ${s.id}: ${past}; left out`));
      continue;
    }
    for (const author of accepted) (byAuthor[author] ??= []).push({ label: s.label, fragments: s.fragments });
  }
  return { note: { note, text, spans: byAuthor, finishedBy: by }, errors };
}
