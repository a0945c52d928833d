/**
 * The storage a workspace syncs with: an S3 bucket prefix or a plain folder. Keys are relative to the
 * remote's root (`annotations/notes/a.txt.json`, `models/ade/1.0.0/model.onnx`), always '/'-separated and
 * checked by `remoteKey.ts` before they touch the local disk.
 *
 * The interface is the small subset of object-store semantics the sync needs. There is deliberately no
 * `delete`: deletions travel as tombstone objects so that another workspace can tell "deleted" from
 * "never pulled", and immutable model versions are never removed by sync.
 */

/** An ETag as the remote returns it: opaque, compared only for equality, passed back in `ifMatch`. */
export type ETag = string;

export interface RemoteObject {
  body: Uint8Array;
  etag: ETag;
}

export interface RemoteHead {
  etag: ETag;
  size: number;
  /**
   * The sha256 (hex) of the content when the remote knows it without reading the body: the file remote
   * hashes, S3 returns it from the `sha256` metadata we set on model files. Undefined otherwise.
   */
  sha256?: string;
}

export interface RemoteEntry {
  key: string;
  etag: ETag;
  size: number;
}

export interface PutOptions {
  /** Write only if the object's current ETag is this one (someone else wrote first → 412). */
  ifMatch?: ETag;
  /** Write only if the object does not exist yet. */
  ifNoneMatch?: true;
  signal?: AbortSignal;
}

export interface TransferOptions {
  signal?: AbortSignal;
  /** Bytes moved so far for this object, and its total size when known. */
  onProgress?: (loaded: number, total: number | undefined) => void;
}

export interface PutFileOptions extends TransferOptions {
  /**
   * The file's expected sha256: checked while it streams (a mismatch fails the upload with
   * ContentMismatchError and writes no object), and stored with the object so a later `head` can say
   * whether the remote copy is the same file.
   */
  sha256?: string;
}

export interface Remote {
  /** A display form of the remote (`s3://bucket/prefix`, `file:///path`): never contains secrets. */
  readonly url: string;
  get(key: string, options?: { signal?: AbortSignal }): Promise<RemoteObject | undefined>;
  head(key: string, options?: { signal?: AbortSignal }): Promise<RemoteHead | undefined>;
  /** Returns the new ETag. Throws PreconditionFailedError when a condition does not hold. */
  put(key: string, body: Uint8Array, options?: PutOptions): Promise<ETag>;
  /** Every object whose key starts with `prefix`, all pages, sorted by key. */
  list(prefix: string, options?: { signal?: AbortSignal }): Promise<RemoteEntry[]>;
  /** Streams a (possibly large) local file to the remote; multipart where the remote supports it. */
  putFile(key: string, localPath: string, options?: PutFileOptions): Promise<ETag>;
  /**
   * Streams an object into `localPath` (written in place; callers download into a temporary folder and
   * verify before use). Returns undefined when the object does not exist.
   */
  getToFile(key: string, localPath: string, options?: TransferOptions): Promise<RemoteHead | undefined>;
  /** Releases sockets; the remote must not be used afterwards. */
  close(): void;
}

/** Someone else wrote the object since the version we based our write on (HTTP 412). */
export class PreconditionFailedError extends Error {
  constructor(readonly key: string) {
    super(`${key}: changed on the remote since it was read (precondition failed)`);
    this.name = 'PreconditionFailedError';
  }
}

/** A remote operation that the caller cancelled. */
export class SyncCancelledError extends Error {
  constructor() {
    super('sync cancelled');
    this.name = 'SyncCancelledError';
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new SyncCancelledError();
}
