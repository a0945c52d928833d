import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** The sha256 of bytes, or of a string's UTF-8 encoding, as 64 lowercase hex digits. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Streams the file through sha256, so a 200 MB model is never held in memory at once. */
export async function sha256File(file: string, signal?: AbortSignal): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file, { signal })) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}
