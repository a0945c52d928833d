import { sha256Hex } from '../fs/sha256';
import { parseModelLock, readModelLock, writeModelLock, type ModelLock } from '../model/modelLock';
import type { Remote } from './remote';
import type { SyncState } from './syncState';

/**
 * The team's model: a copy of a model lock at the remote's root, written by *Push and pin for the team*.
 * Each workspace adopts it once per change (the sync remembers the pin's etag), so a teammate's later
 * local choice (*Use this model*) stands until the team pins again.
 */
export const TEAM_PIN_KEY = 'model.lock';

export async function publishTeamPin(remote: Remote, lock: ModelLock, signal?: AbortSignal): Promise<void> {
  await remote.put(TEAM_PIN_KEY, new TextEncoder().encode(JSON.stringify(lock, null, 2) + '\n'), { signal });
}

/**
 * Pins the team's model here when the remote's pin changed since this workspace last saw it (one HEAD
 * when it did not). Returns the lock adopted, or undefined when nothing changed here. A malformed pin
 * throws an InputError naming it; the local lock is then left as it is.
 */
export async function adoptTeamPin(workspaceDir: string, remote: Remote, state: SyncState, signal?: AbortSignal): Promise<ModelLock | undefined> {
  const head = await remote.head(TEAM_PIN_KEY, { signal });
  if (!head || state.get(TEAM_PIN_KEY)?.etag === head.etag) return undefined;
  const obj = await remote.get(TEAM_PIN_KEY, { signal });
  if (!obj) return undefined;
  const pin = parseModelLock(new TextDecoder().decode(obj.body), `${remote.url}/${TEAM_PIN_KEY}`);
  const local = await readModelLock(workspaceDir).catch(() => undefined);
  const same = local && local.name === pin.name && local.version === pin.version && local.manifestSha256 === pin.manifestSha256;
  if (!same) await writeModelLock(workspaceDir, pin);
  state.set(TEAM_PIN_KEY, { etag: obj.etag, sha256: sha256Hex(obj.body) });
  return same ? undefined : pin;
}
