import { getMaxListeners, setMaxListeners } from 'node:events';
import { throwIfAborted } from './remote';

/**
 * Runs `fn` over `items` with at most `limit` in flight: requests to a remote overlap (latency, not
 * bandwidth, dominates a sync of many small files), without opening a socket per file. Stops starting
 * new work once the signal is aborted; the first error other than per-item ones the caller handles
 * inside `fn` rejects the whole run after in-flight items settle.
 */
export async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>, signal?: AbortSignal): Promise<void> {
  // Each request in flight listens on the signal (the SDK adds an abort listener per request): with more
  // than ten in flight Node warns of a listener leak on every sync. The bound is real, so raise the limit.
  if (signal && getMaxListeners(signal) < limit * 2 + 10) setMaxListeners(limit * 2 + 10, signal);
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined) {
      const i = next++;
      if (i >= items.length) return;
      try {
        throwIfAborted(signal);
        await fn(items[i], i);
      } catch (e) {
        failure ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure !== undefined) throw failure;
}
