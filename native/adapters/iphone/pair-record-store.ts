import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { decodePairRecord, encodePairRecord, type PairRecord } from '../../protocols/lockdown/pair-record.ts';
import { defaultDataDir } from '../adb/credential-store.ts';

/**
 * Lifeboat's own pair records, one per iPhone, in the app's data folder (beside the ADB key):
 * `lockdown/UDID.plist`, an XML plist in the layout libimobiledevice and Apple use, readable by
 * its owner only (0600, folder 0700). They are kept here rather than handed to the system's
 * usbmuxd so that Lifeboat never changes another program's configuration; the phone's trust is
 * in its own hands (Settings → General → Transfer or Reset → Reset Location & Privacy).
 * App configuration, not rescued data: with the ADB key, the only files an adapter writes.
 */
export class PairRecordStore {
  readonly #folder: string;

  constructor(dataDir: string = defaultDataDir()) {
    this.#folder = path.join(dataDir, 'lockdown');
  }

  load(udid: string): PairRecord | undefined {
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(this.#file(udid));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      return decodePairRecord(bytes);
    } catch {
      return undefined; // a damaged record is as good as none: the phone is asked to trust again
    }
  }

  save(udid: string, record: PairRecord): void {
    fs.mkdirSync(this.#folder, { recursive: true, mode: 0o700 });
    const file = this.#file(udid);
    const temporary = `${file}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(temporary, encodePairRecord(record), { mode: 0o600, flag: 'wx' });
    fs.renameSync(temporary, file);
  }

  forget(udid: string): void {
    fs.rmSync(this.#file(udid), { force: true });
  }

  /** A system-wide id for this computer when usbmuxd does not give one; made once, kept. */
  systemBuid(): string {
    const file = path.join(this.#folder, 'SystemConfiguration.txt');
    try {
      const text = fs.readFileSync(file, 'utf8').trim();
      if (/^[0-9A-F-]{36}$/.test(text)) return text;
    } catch {
      // made below
    }
    fs.mkdirSync(this.#folder, { recursive: true, mode: 0o700 });
    const buid = crypto.randomUUID().toUpperCase();
    fs.writeFileSync(file, `${buid}\n`, { mode: 0o600 });
    return buid;
  }

  #file(udid: string): string {
    if (!/^[0-9A-Za-z-]{1,64}$/.test(udid)) throw new Error(`"${udid}" is not an iPhone UDID`);
    return path.join(this.#folder, `${udid}.plist`);
  }
}
