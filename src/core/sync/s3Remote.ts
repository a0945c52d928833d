import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { pipeline, type Readable } from 'node:stream';
import type { GetObjectCommandOutput, S3Client, S3ClientConfig, ServerSideEncryption } from '@aws-sdk/client-s3';
import type * as AwsSdk from '../../vendor/awsSdk';
import { InputError } from '../errors';
import {
  PreconditionFailedError,
  SyncCancelledError,
  throwIfAborted,
  type ETag,
  type PutFileOptions,
  type PutOptions,
  type Remote,
  type RemoteEntry,
  type RemoteHead,
  type RemoteObject,
  type TransferOptions,
} from './remote';
import { sha256Verifier } from './hash';
import { joinKey } from './remoteKey';

/*
 * The AWS SDK is about two thirds of the code. It is required on first use of an S3 remote, from a bundle
 * of its own (src/vendor/awsSdk.ts, dist/awsSdk.js): off the activation path, and never loaded by sessions
 * that do not sync with S3.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const awsSdk = (): typeof AwsSdk => require('../../vendor/awsSdk') as typeof AwsSdk;
const s3Sdk = (): typeof AwsSdk.s3 => awsSdk().s3;
const storageSdk = (): typeof AwsSdk.storage => awsSdk().storage;
/* eslint-enable @typescript-eslint/no-require-imports */

/** The `s3` block of `.sidelight/config.json`. Nothing secret belongs here: credentials come from the AWS chain. */
export interface S3RemoteOptions {
  region?: string;
  /** A profile of the shared config/credentials files (SSO profiles included). */
  profile?: string;
  /** An S3-compatible endpoint (MinIO, moto, …). Defaults to AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL. */
  endpoint?: string;
  /** Path-style addressing; defaults to true when a custom endpoint is used, since most need it. */
  forcePathStyle?: boolean;
  sse?: 'AES256' | 'aws:kms';
  kmsKeyId?: string;
  /** Per request, until the response headers; default 30 s. Also the idle limit while reading a body. */
  requestTimeoutMs?: number;
  /** SDK attempts per request (default 5), and our own attempts for a body cut mid-read. */
  maxAttempts?: number;
  /** Multipart part size for putFile (default 8 MiB; S3's minimum is 5 MiB). */
  partSize?: number;
  /** Parts in flight per putFile (default 8: 64 MiB of parts in memory; `aws s3` keeps up to 10 requests in flight). */
  queueSize?: number;
  /** Keys per LIST page (S3's maximum and default is 1000); smaller values exercise paging in tests. */
  listPageSize?: number;
  /** The environment to read AWS_ENDPOINT_URL* from (tests); defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m || !m[1]) throw new InputError(url, 'not an s3://bucket/prefix URL');
  const prefix = m[2].replace(/\/+$/, '');
  return { bucket: m[1], prefix };
}

/**
 * Errors where a body stopped mid-transfer or a connection dropped. The SDK retries these for requests
 * with Buffer bodies, but not while a GetObject body is being read (it has already returned), so reads
 * retry them here.
 */
function isTransient(e: unknown): boolean {
  if (e instanceof SyncCancelledError) return false;
  const err = e as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  if (err?.name === 'AbortError') return false;
  const status = err?.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return true;
  const text = `${err?.name ?? ''} ${err?.code ?? ''} ${err?.message ?? ''}`;
  return /aborted|ECONNRESET|EPIPE|ETIMEDOUT|ECONNREFUSED|socket hang up|TimeoutError|timed out|premature|truncated|TruncatedBody/i.test(text);
}

function statusOf(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

function isNotFound(e: unknown): boolean {
  const name = (e as { name?: string })?.name;
  return statusOf(e) === 404 || name === 'NoSuchKey' || name === 'NotFound';
}

/** 412, or 409 ConditionalRequestConflict (AWS answers that to two racing conditional writes). */
function isPreconditionFailed(e: unknown): boolean {
  const name = (e as { name?: string })?.name;
  return statusOf(e) === 412 || name === 'PreconditionFailed' || name === 'ConditionalRequestConflict' || statusOf(e) === 409;
}

/** A failure caused by the caller's cancellation is reported as such, not as a network error. */
function cancelOr(e: unknown, signal: AbortSignal | undefined): unknown {
  return signal?.aborted ? new SyncCancelledError() : e;
}

/** An `s3://bucket/prefix` remote. */
export class S3Remote implements Remote {
  readonly url: string;
  /** Exposed so callers (tests, diagnostics) can add middleware, e.g. to count requests. */
  readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly maxAttempts: number;

  constructor(
    url: string,
    private readonly options: S3RemoteOptions = {},
  ) {
    const { bucket, prefix } = parseS3Url(url);
    this.bucket = bucket;
    this.prefix = prefix;
    this.url = `s3://${bucket}${prefix ? `/${prefix}` : ''}`;
    this.maxAttempts = options.maxAttempts ?? 5;
    const env = options.env ?? process.env;
    const endpoint = options.endpoint || env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
    const timeout = options.requestTimeoutMs ?? 30_000;
    const config: S3ClientConfig = {
      endpoint,
      forcePathStyle: options.forcePathStyle ?? Boolean(endpoint),
      maxAttempts: this.maxAttempts,
      // S3-compatible stores reject (or store) the SDK's default aws-chunked trailing checksums.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // Constructor options of the SDK's NodeHttpHandler. requestTimeout alone only logs a warning;
      // throwOnRequestTimeout turns a stalled request into a retryable TimeoutError, and socketTimeout
      // catches a body that stops arriving after the headers.
      requestHandler: {
        connectionTimeout: Math.min(timeout, 10_000),
        requestTimeout: timeout,
        throwOnRequestTimeout: true,
        socketTimeout: timeout,
      },
    };
    if (options.region) config.region = options.region;
    // Credentials: deliberately not configurable here. The client's default chain (fromNodeProviderChain:
    // env, shared files, SSO, web identity, IMDS) resolves them, with the profile passed through.
    if (options.profile) config.profile = options.profile;
    this.client = new (s3Sdk().S3Client)(config);
  }

  private k(key: string): string {
    return joinKey(this.prefix, key);
  }

  private sse(): { ServerSideEncryption?: ServerSideEncryption; SSEKMSKeyId?: string } {
    if (!this.options.sse) return {};
    return {
      ServerSideEncryption: this.options.sse,
      ...(this.options.sse === 'aws:kms' && this.options.kmsKeyId ? { SSEKMSKeyId: this.options.kmsKeyId } : {}),
    };
  }

  async get(key: string, options: { signal?: AbortSignal } = {}): Promise<RemoteObject | undefined> {
    for (let attempt = 1; ; attempt++) {
      throwIfAborted(options.signal);
      try {
        let res: GetObjectCommandOutput;
        try {
          res = await this.client.send(new (s3Sdk().GetObjectCommand)({ Bucket: this.bucket, Key: this.k(key) }), {
            abortSignal: options.signal,
          });
        } catch (e) {
          if (isNotFound(e)) return undefined;
          throw e;
        }
        const body = await readBody(res.Body as Readable, res.ContentLength);
        return { body, etag: res.ETag ?? '' };
      } catch (e) {
        if (attempt < this.maxAttempts && isTransient(e) && !options.signal?.aborted) {
          await backoff(attempt);
          continue;
        }
        throw cancelOr(e, options.signal);
      }
    }
  }

  async head(key: string, options: { signal?: AbortSignal } = {}): Promise<RemoteHead | undefined> {
    try {
      const res = await this.client.send(new (s3Sdk().HeadObjectCommand)({ Bucket: this.bucket, Key: this.k(key) }), {
        abortSignal: options.signal,
      });
      return { etag: res.ETag ?? '', size: res.ContentLength ?? 0, sha256: res.Metadata?.sha256 };
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw cancelOr(e, options.signal);
    }
  }

  async put(key: string, body: Uint8Array, options: PutOptions = {}): Promise<ETag> {
    throwIfAborted(options.signal);
    try {
      // A Buffer body (not a stream) so that the SDK can retry the request after a cut connection.
      const res = await this.client.send(
        new (s3Sdk().PutObjectCommand)({
          Bucket: this.bucket,
          Key: this.k(key),
          Body: Buffer.from(body.buffer, body.byteOffset, body.byteLength),
          ContentLength: body.byteLength,
          ContentType: key.endsWith('.json') ? 'application/json' : 'application/octet-stream',
          ...(options.ifMatch !== undefined ? { IfMatch: options.ifMatch } : {}),
          ...(options.ifNoneMatch ? { IfNoneMatch: '*' } : {}),
          ...this.sse(),
        }),
        { abortSignal: options.signal },
      );
      return res.ETag ?? '';
    } catch (e) {
      if ((options.ifMatch !== undefined || options.ifNoneMatch) && isPreconditionFailed(e)) throw new PreconditionFailedError(key);
      throw cancelOr(e, options.signal);
    }
  }

  async list(prefix: string, options: { signal?: AbortSignal } = {}): Promise<RemoteEntry[]> {
    const out: RemoteEntry[] = [];
    const full = this.k(prefix);
    const strip = this.prefix ? this.prefix.length + 1 : 0;
    let token: string | undefined;
    do {
      throwIfAborted(options.signal);
      let res;
      try {
        res = await this.client.send(
          new (s3Sdk().ListObjectsV2Command)({
            Bucket: this.bucket,
            Prefix: full,
            ContinuationToken: token,
            ...(this.options.listPageSize ? { MaxKeys: this.options.listPageSize } : {}),
          }),
          { abortSignal: options.signal },
        );
      } catch (e) {
        throw cancelOr(e, options.signal);
      }
      for (const o of res.Contents ?? []) {
        // A zero-byte key ending in '/' is a folder marker (the S3 console's "Create folder"), not an object.
        if (!o.Key || (o.Key.endsWith('/') && !o.Size)) continue;
        out.push({ key: o.Key.slice(strip), etag: o.ETag ?? '', size: o.Size ?? 0 });
      }
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async putFile(key: string, localPath: string, options: PutFileOptions = {}): Promise<ETag> {
    throwIfAborted(options.signal);
    const total = (await fs.stat(localPath)).size;
    // 1 MiB reads rather than 64 KiB: a sixteenth of the read calls for a large model.
    const file = createReadStream(localPath, { highWaterMark: 1024 * 1024 });
    const body: Readable = options.sha256 ? pipeline(file, sha256Verifier(localPath, options.sha256), () => undefined) : file;
    // lib-storage cuts the stream into Buffer parts (each retried by the SDK), uploads `queueSize` of them
    // in parallel, and aborts the multipart upload on failure so no orphan parts are left billed. It
    // completes the upload only after the body has ended, so a verifier that fails at the end (wrong
    // sha256) leaves no object behind.
    const upload = new (storageSdk().Upload)({
      client: this.client,
      queueSize: this.options.queueSize ?? 8,
      partSize: Math.max(5 * 1024 * 1024, this.options.partSize ?? 8 * 1024 * 1024),
      leavePartsOnError: false,
      params: {
        Bucket: this.bucket,
        Key: this.k(key),
        Body: body,
        ContentType: 'application/octet-stream',
        ...(options.sha256 ? { Metadata: { sha256: options.sha256 } } : {}),
        ...this.sse(),
      },
    });
    upload.on('httpUploadProgress', (p) => options.onProgress?.(p.loaded ?? 0, p.total ?? total));
    const onAbort = () => void upload.abort().catch(() => undefined);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const res = await upload.done();
      return (res as { ETag?: string }).ETag ?? '';
    } catch (e) {
      throw cancelOr(e, options.signal);
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      body.destroy();
    }
  }

  /**
   * Streams the object to `localPath`. A body cut mid-read is resumed with a Range request pinned to the
   * same ETag (so the pieces are of one object version); if the object changed meanwhile, starts over.
   */
  async getToFile(key: string, localPath: string, options: TransferOptions = {}): Promise<RemoteHead | undefined> {
    await fs.mkdir(path.dirname(localPath), { recursive: true });
    let written = 0;
    let etag: string | undefined;
    let total: number | undefined;
    let sha256: string | undefined;
    for (let attempt = 1; ; attempt++) {
      throwIfAborted(options.signal);
      try {
        let res: GetObjectCommandOutput;
        try {
          res = await this.client.send(
            new (s3Sdk().GetObjectCommand)({
              Bucket: this.bucket,
              Key: this.k(key),
              ...(etag && written > 0 ? { IfMatch: etag, Range: `bytes=${written}-` } : {}),
            }),
            { abortSignal: options.signal },
          );
        } catch (e) {
          if (isNotFound(e) && written === 0) return undefined;
          if (isPreconditionFailed(e)) {
            written = 0; // changed since the first piece: start again from scratch
            etag = undefined;
            continue;
          }
          throw e;
        }
        if (written > 0 && res.ContentRange === undefined) written = 0; // the server ignored the Range
        etag = res.ETag ?? '';
        sha256 = res.Metadata?.sha256;
        total = written + (res.ContentLength ?? 0);
        const out = createWriteStream(localPath, { flags: written > 0 ? 'r+' : 'w', start: written });
        try {
          await streamInto(res.Body as Readable, out, res.ContentLength, (n) => {
            written += n;
            options.onProgress?.(written, total);
          });
        } finally {
          await new Promise<void>((resolve) => out.close(() => resolve()));
        }
        await fs.truncate(localPath, written);
        return { etag, size: written, sha256 };
      } catch (e) {
        if (attempt < this.maxAttempts && isTransient(e) && !options.signal?.aborted) {
          await backoff(attempt);
          continue;
        }
        throw cancelOr(e, options.signal);
      }
    }
  }

  close(): void {
    this.client.destroy();
  }
}

async function backoff(attempt: number): Promise<void> {
  await new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** attempt) * (0.5 + Math.random() / 2)));
}

class TruncatedBodyError extends Error {
  constructor(got: number, expected: number) {
    super(`TruncatedBody: got ${got} of ${expected} bytes`);
    this.name = 'TruncatedBodyError';
  }
}

async function readBody(body: Readable, expected: number | undefined): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let got = 0;
  for await (const chunk of body) {
    chunks.push(chunk as Buffer);
    got += (chunk as Buffer).length;
  }
  if (expected !== undefined && got !== expected) throw new TruncatedBodyError(got, expected);
  const all = Buffer.concat(chunks, got);
  return new Uint8Array(all.buffer, all.byteOffset, all.byteLength);
}

async function streamInto(
  body: Readable,
  out: NodeJS.WritableStream,
  expected: number | undefined,
  onBytes: (n: number) => void,
): Promise<void> {
  let got = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    if (!out.write(buf)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    got += buf.length;
    onBytes(buf.length);
  }
  if (expected !== undefined && got !== expected) throw new TruncatedBodyError(got, expected);
}
