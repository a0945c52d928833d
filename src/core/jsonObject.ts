import { InputError } from './errors';

/** A small JSON file that must hold an object (a manifest, a config): parse errors name the file. */
export function parseJsonObject(text: string, file: string): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new InputError(file, `not valid JSON (${(e as Error).message})`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new InputError(file, 'expected a JSON object');
  return raw as Record<string, unknown>;
}
