import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';

/** A file whose content is not the sha256 it was declared with (changed on disk, or a wrong manifest). */
export class ContentMismatchError extends Error {
  constructor(
    readonly file: string,
    readonly actualSha256: string,
  ) {
    super(`${file}: sha256 ${actualSha256} is not the expected one`);
    this.name = 'ContentMismatchError';
  }
}

/**
 * A pass-through stream that hashes what flows through it and, at the end, fails with ContentMismatchError
 * instead of ending when the content is not `sha256`. An upload that reads its body from it therefore never
 * completes with wrong content: the file is checked in the same read that sends it, not in a read before
 * it (which costs a second pass over a 200 MB model and still lets the file change in between).
 */
export function sha256Verifier(file: string, sha256: string): Transform {
  const hash = createHash('sha256');
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
    flush(callback) {
      const actual = hash.digest('hex');
      callback(actual === sha256 ? null : new ContentMismatchError(file, actual));
    },
  });
}

/**
 * JSON with object keys sorted at every level: two values that mean the same thing serialize the same,
 * whatever order their keys were written in. Used to compare spans and sidecars, never to write them.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = sortKeys((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}

/**
 * Whether a listed remote object holds exactly `bytes`, judged from its listing alone: the folder remote's
 * ETag is the content's sha256; S3's ETag of an object uploaded in one part is its MD5 in quotes (a
 * multipart ETag, `"…-N"`, says nothing about content, nor does any other form: then false).
 */
export function remoteHoldsBytes(entry: { etag: string }, bytes: Uint8Array): boolean {
  if (entry.etag === createHash('sha256').update(bytes).digest('hex')) return true;
  const md5 = /^"?([0-9a-f]{32})"?$/i.exec(entry.etag)?.[1]?.toLowerCase();
  return md5 !== undefined && md5 === createHash('md5').update(bytes).digest('hex');
}
