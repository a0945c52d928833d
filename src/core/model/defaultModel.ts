import { existsSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The folder that holds package.json above `from`: the extension's root when running from dist/ (both
 * dist/extension.js and dist/cli.js sit one level below it), the repository root when running compiled
 * tests from out/.
 */
export function packageRoot(from: string = __dirname): string {
  let dir = path.resolve(from);
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}: cannot locate the embedded model`);
    dir = parent;
  }
}

/** The embedded default bundle, shipped inside the extension and the npm package at `models/default`. */
export function defaultModelDir(from: string = __dirname): string {
  return path.join(packageRoot(from), 'models', 'default');
}
