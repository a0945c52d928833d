import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';

/**
 * A real S3 server for tests: moto (environment.md, "S3 for tests"), started on a free 127.0.0.1 port
 * with the real Python interpreter (python3 is a pyenv shim: killing the shim would leave the server
 * running), reset between tests, stopped by pid.
 */
export interface Moto {
  endpoint: string;
  port: number;
  bucket: string;
  /** Drops every bucket and object, then recreates `bucket`. */
  reset(): Promise<void>;
  /** A client for direct access in tests (tampering, hostile keys). */
  client: S3Client;
  stop(): Promise<void>;
}

/** Dummy credentials for moto: the test process must never pick up real ones. */
export function useDummyAwsCredentials(): void {
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  process.env.AWS_REGION = 'us-east-1';
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_ENDPOINT_URL;
  delete process.env.AWS_ENDPOINT_URL_S3;
}

let pythonPath: string | undefined;
function realPython(): string {
  pythonPath ??= execFileSync('python3', ['-c', 'import sys;print(sys.executable)'], { encoding: 'utf8' }).trim();
  return pythonPath;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function startMoto(bucket = 'sidelight-test'): Promise<Moto> {
  useDummyAwsCredentials();
  const port = await freePort();
  // moto logs every request to stderr. It goes to a file, not a pipe: a pipe fills up and blocks the
  // server whenever this process's event loop is busy (e.g. in spawnSync), which looks like a hang.
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'sidelight-moto-'));
  const logFile = path.join(logDir, 'moto.log');
  const logFd = openSync(logFile, 'w');
  const proc: ChildProcess = spawn(realPython(), ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', logFd],
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  closeSync(logFd);
  const stderrTail = () => {
    try {
      return readFileSync(logFile, 'utf8').slice(-4000);
    } catch {
      return '';
    }
  };
  const removeLog = () => rmSync(logDir, { recursive: true, force: true });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (proc.exitCode !== null) {
      const tail = stderrTail();
      removeLog();
      throw new Error(`moto exited (${proc.exitCode}): ${tail}`);
    }
    try {
      const res = await fetch(`${endpoint}/moto-api/data.json`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      const tail = stderrTail();
      removeLog();
      throw new Error(`moto did not start on ${endpoint}: ${tail}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const createBucket = async () => {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  };
  await createBucket();
  return {
    endpoint,
    port,
    bucket,
    client,
    async reset() {
      const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!res.ok) throw new Error(`moto reset failed: ${res.status}`);
      await createBucket();
    },
    async stop() {
      client.destroy();
      if (proc.exitCode === null && proc.pid !== undefined) {
        process.kill(proc.pid, 'SIGTERM');
        const timer = setTimeout(() => proc.exitCode === null && proc.pid !== undefined && process.kill(proc.pid, 'SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
      removeLog();
    },
  };
}
