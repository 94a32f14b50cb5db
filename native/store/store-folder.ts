import { createHmac, randomFillSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultDataDir } from '../adapters/adb/credential-store.ts';

/**
 * Store mode's own folder, inside the app's data folder (`.../lifeboat/store`):
 *
 *   staff.json        staff ids with scrypt hashes of their PINs
 *   install-secret    32 random bytes: the key that turns serial numbers into serial hashes
 *   audit.jsonl       the audit log (metadata only, hash-chained)
 *   sessions/ID/      one sealed vault per customer session, removed at handoff or abandon
 *
 * Nothing of a customer is ever in plain form here.
 */
export interface StoreFolder {
  root: string;
  staffFile: string;
  auditFile: string;
  sessionsDir: string;
  secretFile: string;
}

export function storeFolder(root: string = path.join(defaultDataDir(), 'store')): StoreFolder {
  return {
    root,
    staffFile: path.join(root, 'staff.json'),
    auditFile: path.join(root, 'audit.jsonl'),
    sessionsDir: path.join(root, 'sessions'),
    secretFile: path.join(root, 'install-secret'),
  };
}

/**
 * The serial number as the audit log keeps it: HMAC-SHA256 under this installation's secret, so
 * the same phone gives the same hash on this PC (a returning customer can be matched) while the
 * log alone does not give the serial away (serials are short and guessable: a plain hash would).
 */
export function serialHasher(folder: StoreFolder): (serial: string) => string {
  const secret = installSecret(folder);
  return (serial) => createHmac('sha256', secret).update(serial, 'utf8').digest('hex').slice(0, 32);
}

function installSecret(folder: StoreFolder): Buffer {
  try {
    const secret = fs.readFileSync(folder.secretFile);
    if (secret.length === 32) return secret;
    throw new Error(`${folder.secretFile} is damaged (${secret.length} bytes, 32 expected); move it away to make a new one`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.mkdirSync(folder.root, { recursive: true, mode: 0o700 });
  const secret = Buffer.alloc(32);
  randomFillSync(secret);
  try {
    fs.writeFileSync(folder.secretFile, secret, { flag: 'wx', mode: 0o600 });
    return secret;
  } catch (err) {
    // Another process made it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return fs.readFileSync(folder.secretFile);
    throw err;
  }
}
