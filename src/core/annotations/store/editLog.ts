import { TextEdit, trackFragments } from '../offsetTracking';
import { type Fragment, fragmentsProblem } from '../sidecar';

/**
 * The editor's edits of each note, as they arrive. A labelling operation is given the note's text and
 * offsets when it is called, and may run a moment later (it waits for the sidecar, or for an earlier
 * operation); keys typed by a script in between must not make it land on other words. It takes a mark
 * when called and catches up when it runs: its offsets move as a span's would, its text gets the same edits.
 */
export class EditLog {
  private readonly notes = new Map<string, { start: number; edits: TextEdit[] }>();

  /** Edits kept per note; an operation that waited longer than that many edits is refused. */
  constructor(private readonly keep = 1_000) {}

  mark(key: string): number {
    const n = this.notes.get(key);
    return n ? n.start + n.edits.length : 0;
  }

  record(key: string, edits: readonly TextEdit[]): void {
    let n = this.notes.get(key);
    if (!n) this.notes.set(key, (n = { start: 0, edits: [] }));
    n.edits.push(...edits);
    if (n.edits.length > this.keep) {
      const drop = n.edits.length - Math.floor(this.keep / 2);
      n.edits.splice(0, drop);
      n.start += drop;
    }
  }

  /**
   * `text` and each list of fragments (as they were at `mark`) after the edits since; undefined when an
   * edit rewrote some of their words (what was selected is not there as it was) or the edits are no longer
   * all kept.
   */
  since(key: string, mark: number, text: string, lists: readonly Fragment[][]): { text: string; lists: Fragment[][] } | undefined {
    const n = this.notes.get(key);
    if (!n || mark === n.start + n.edits.length) return { text, lists: [...lists] };
    if (mark < n.start) return undefined;
    const edits = n.edits.slice(mark - n.start);
    const moved: Fragment[][] = [];
    for (const fragments of lists) {
      // Malformed offsets are the operation's to refuse, with its own message: left as they are.
      if (fragmentsProblem(fragments) !== undefined && fragmentsProblem([...fragments].sort((a, b) => a[0] - b[0] || a[1] - b[1])) !== undefined) {
        moved.push(fragments);
        continue;
      }
      const sorted = [...fragments].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      const after = trackFragments(sorted, edits);
      if (!after) return undefined;
      moved.push(after);
    }
    for (const e of edits) text = text.slice(0, e.offset) + e.insertedText + text.slice(e.offset + e.deletedLength);
    return { text, lists: moved };
  }

  forget(key: string): void {
    this.notes.delete(key);
  }
}
