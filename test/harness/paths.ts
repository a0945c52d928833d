import * as path from 'node:path';

/** The repository root: compiled harness files live in out/test/harness, sources in test/harness. */
export const repoRoot = path.resolve(__dirname, __dirname.includes(`${path.sep}out${path.sep}`) ? '../../..' : '../..');
export const demoDir = path.join(repoRoot, 'demo');
export const cacheDir = path.join(repoRoot, '.cache');
