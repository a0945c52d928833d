import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type Mocha from 'mocha';

/**
 * The suites share one workspace (and the folder around it): each must leave it as it found it, or a later
 * suite would see its notes, labels or settings and pass or fail by the order they run in. This check runs
 * after every top-level suite and fails it, naming what it left behind.
 */

/** Not compared: the sync's record of the last sync, a lock being released, the remote (a sync's tombstones), the runner's report. */
function ignored(rel: string): boolean {
  return rel === 'report.json' || rel.startsWith('workspace/.sidelight/sync/') || rel.startsWith('remote/') || /(^|\/)\.[^/]*\.lock$/.test(rel);
}

/** Every file below `root` (relative, `/` separators), with a digest of its content; JSON compared as data, not as text. */
export async function snapshot(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const full = path.join(dir, entry.name);
      const rel = path.relative(root, full).split(path.sep).join('/');
      if (ignored(rel)) continue;
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) out.set(rel, digest(rel, await fs.readFile(full, 'utf8').catch(() => '')));
    }
  };
  await walk(root);
  return out;
}

function digest(rel: string, text: string): string {
  let canonical = text;
  // VS Code rewrites a settings file when a setting is set and reset: the same settings, other whitespace.
  if (rel.endsWith('.json')) {
    try {
      canonical = JSON.stringify(JSON.parse(text));
    } catch {
      // not JSON after all: compared as text
    }
  }
  return createHash('sha256').update(canonical).digest('hex');
}

/** What differs between two snapshots, one line per file. */
export function leftovers(before: Map<string, string>, after: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [rel, sha] of after) {
    if (!before.has(rel)) out.push(`added ${rel}`);
    else if (before.get(rel) !== sha) out.push(`changed ${rel}`);
  }
  for (const rel of before.keys()) if (!after.has(rel)) out.push(`removed ${rel}`);
  return out.sort();
}

/**
 * Starts the check from the work folder as it is now; returns the function that adds it to the top-level
 * suites of `root` that lack it. What a suite leaves is compared with what it found, so that it is blamed
 * for its own leftovers only.
 */
export async function guardSuites(workDir: string): Promise<(root: Mocha.Suite) => void> {
  let found = await snapshot(workDir);
  const guarded = new Set<Mocha.Suite>();
  return (root) => {
    for (const suite of root.suites) {
      if (guarded.has(suite)) continue;
      guarded.add(suite);
      suite.afterAll('the suite leaves the workspace as it found it', async () => {
        const now = await snapshot(workDir);
        const left = leftovers(found, now);
        found = now;
        if (left.length) throw new Error(`"${suite.title}" left this behind for the suites after it:\n${left.join('\n')}`);
      });
    }
  };
}
