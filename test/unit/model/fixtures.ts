import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../../../src/core/model/defaultModel';

/** Paths shared by the model tests; they run from out/test/unit/model, so the repository root is found by package.json. */
export const ROOT = packageRoot(__dirname);
export const FIXTURES = path.join(ROOT, 'test', 'fixtures');
export const ECHO_ARGMAX = path.join(FIXTURES, 'echo-model', 'argmax');
export const ECHO_CRF = path.join(FIXTURES, 'echo-model', 'crf-chars');
export const SHARED_DATA = path.resolve(ROOT, '..', 'shared', 'data');
export const hasShared = existsSync(SHARED_DATA);
