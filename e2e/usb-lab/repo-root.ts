import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** This checkout (the guest sees it at the same path, read-only). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
