import { ChildProcess, execFileSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { cacheDir, repoRoot } from './paths';
import { freePort, waitFor } from './ports';
import { spawnGroup, stopGroup } from './processes';

export const CODE_SERVER_VERSION = process.env.CODE_SERVER_VERSION ?? '4.100.3';

/** The code-server that scripts/install-code-server.sh put in the cache (or $CODE_SERVER_BIN). */
export function codeServerBin(): string {
  const bin = process.env.CODE_SERVER_BIN ?? path.join(cacheDir, `code-server-${CODE_SERVER_VERSION}`, 'node_modules', '.bin', 'code-server');
  if (!existsSync(bin)) {
    throw new Error(`code-server is not installed at ${bin}: run \`npm run setup:code-server\` first`);
  }
  return bin;
}

export interface CodeServerOptions {
  /** The folder opened as the workspace. */
  folder: string;
  /** Extensions folder (fresh per run unless given). */
  extensionsDir?: string;
  /** false: start without --disable-workspace-trust, so restricted mode can be seen. */
  trusted?: boolean;
  /** Extra user settings. */
  settings?: Record<string, unknown>;
  /** Extra environment for code-server and so for its extension host. */
  env?: Record<string, string>;
}

export interface CodeServer {
  url: string;
  port: number;
  folder: string;
  userDataDir: string;
  extensionsDir: string;
  /** code-server's own stdout/stderr, for diagnosing a failed run. */
  output(): string;
  stop(): Promise<void>;
}

export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  const home = await fs.mkdtemp(path.join(os.tmpdir(), 'sidelight-cs-'));
  const userDataDir = path.join(home, 'user-data');
  const extensionsDir = options.extensionsDir ?? path.join(home, 'extensions');
  await fs.mkdir(path.join(userDataDir, 'User'), { recursive: true });
  await fs.mkdir(extensionsDir, { recursive: true });
  await fs.writeFile(
    path.join(userDataDir, 'User', 'settings.json'),
    JSON.stringify(
      {
        'telemetry.telemetryLevel': 'off',
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'extensions.ignoreRecommendations': true,
        'security.workspace.trust.startupPrompt': 'never',
        ...options.settings,
      },
      null,
      2,
    ),
  );
  const port = await freePort();
  const args = [
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
  ];
  if (options.trusted !== false) args.push('--disable-workspace-trust');
  args.push(options.folder);
  let log = '';
  const child: ChildProcess = spawnGroup(codeServerBin(), args, {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      XDG_CONFIG_HOME: path.join(home, 'config'),
      XDG_DATA_HOME: path.join(home, 'data'),
      EXTENSIONS_GALLERY: '{}',
      ...options.env,
    },
  });
  child.stdout?.on('data', (d) => (log += d));
  child.stderr?.on('data', (d) => (log += d));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor('code-server to answer', () => httpOk(`${url}/healthz`), 30_000);
  } catch (e) {
    await stopGroup(child);
    throw new Error(`${String(e)}\n${log}`);
  }
  return {
    url,
    port,
    folder: options.folder,
    userDataDir,
    extensionsDir,
    output: () => log,
    async stop() {
      await stopGroup(child);
      await fs.rm(home, { recursive: true, force: true });
    },
  };
}

export function installVsix(vsix: string, extensionsDir: string): void {
  execFileSync(codeServerBin(), ['--extensions-dir', extensionsDir, '--install-extension', vsix], {
    stdio: 'pipe',
    env: { ...process.env, EXTENSIONS_GALLERY: '{}' },
  });
}

function httpOk(url: string): Promise<true | undefined> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, (res) => {
      res.resume();
      resolve(res.statusCode === 200 ? true : undefined);
    });
    req.on('error', reject);
    req.setTimeout(2000, () => req.destroy(new Error('timeout')));
  });
}

/** The URL that opens `folder` and runs the extension under development with the given test module. */
export function testRunUrl(server: CodeServer, folder: string, extensionPath: string, testsPath: string): string {
  const remote = (p: string) => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const payload = JSON.stringify([
    ['extensionDevelopmentPath', remote(extensionPath)],
    ['extensionTestsPath', remote(testsPath)],
  ]);
  return `${server.url}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(payload)}`;
}
