import { promises as fs } from 'node:fs';

/** Whether a path exists (any error reading it counts as "no": callers treat that as absent). */
export async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}
