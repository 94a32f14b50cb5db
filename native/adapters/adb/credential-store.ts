import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AdbCredentialStore, AdbPrivateKey } from '@yume-chan/adb';

/**
 * Lifeboat's own ADB key: a phone remembers which computers it allowed ("Always allow from this
 * computer") by their RSA public key, so the key must survive between runs, and it must be ours
 * rather than ~/.android/adbkey (that one belongs to the user's adb and may be used by others).
 *
 * The key is made on first use (2048-bit RSA, exponent 65537, what adbd expects), kept as a PKCS #8
 * PEM file readable by its owner only (0600) in a folder only the owner can enter (0700). This is
 * app configuration, not rescued data: the one file an adapter writes.
 */
export const ADB_KEY_FILE = 'adbkey';

/** The app's data folder: where each platform keeps an application's own files. */
export function defaultDataDir(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env, home = os.homedir()): string {
  if (platform === 'win32') return path.win32.join(env.APPDATA ?? path.win32.join(home, 'AppData', 'Roaming'), 'Lifeboat');
  if (platform === 'darwin') return path.posix.join(home, 'Library', 'Application Support', 'Lifeboat');
  return path.posix.join(env.XDG_DATA_HOME || path.posix.join(home, '.local', 'share'), 'lifeboat');
}

export function credentialStore(dataDir: string = defaultDataDir()): AdbCredentialStore {
  const keyPath = path.join(dataDir, ADB_KEY_FILE);
  // The name the phone shows under "Revoke USB debugging authorisations" (user@host, as adb does).
  const name = `lifeboat@${os.hostname()}`;
  const toAdbKey = (pem: string): AdbPrivateKey => ({
    buffer: new Uint8Array(crypto.createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' })),
    name,
  });

  return {
    generateKey(): AdbPrivateKey {
      fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 65537 });
      const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      try {
        // 'wx': never overwrite a key a phone may already trust (two runs racing on first use).
        fs.writeFileSync(keyPath, pem, { mode: 0o600, flag: 'wx' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        return toAdbKey(fs.readFileSync(keyPath, 'utf8'));
      }
      return toAdbKey(pem);
    },
    *iterateKeys(): Generator<AdbPrivateKey> {
      let pem: string;
      try {
        pem = fs.readFileSync(keyPath, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      yield toAdbKey(pem);
    },
  };
}
