import { hkdfSync, randomFillSync } from 'node:crypto';

/** The purposes a session key is split into: one subkey each, so no key serves two jobs. */
export type KeyPurpose = 'blob-chunks' | 'blob-names' | 'partial-names';

const INFO_PREFIX = 'lifeboat sealed vault v1: ';

/**
 * A store-mode session's key: 32 random bytes that live only in this process's memory, never on
 * a disk. Subkeys for each purpose are derived with HKDF-SHA256 and kept here, so that destroy()
 * can zero every copy this code holds. (Copies inside OpenSSL's cipher contexts are freed by Node
 * when a cipher is collected; JavaScript cannot zero them: see native/store/README.md.)
 */
export class SessionKey {
  #master: Buffer | null;
  readonly #subkeys = new Map<string, Buffer>();
  #destroyedAtMs: number | null = null;

  private constructor(master: Buffer) {
    this.#master = master;
  }

  static create(): SessionKey {
    // Buffer.alloc, not randomBytes: never a slice of Node's shared pool, so zeroing it zeroes only it.
    const master = Buffer.alloc(32);
    randomFillSync(master);
    return new SessionKey(master);
  }

  get destroyed(): boolean {
    return this.#master === null;
  }

  get destroyedAtMs(): number | null {
    return this.#destroyedAtMs;
  }

  /** The subkey of a purpose (32 bytes); the same Buffer each time, zeroed by destroy(). */
  subkey(purpose: KeyPurpose): Buffer {
    const master = this.#live();
    let key = this.#subkeys.get(purpose);
    if (!key) {
      key = Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), INFO_PREFIX + purpose, 32));
      this.#subkeys.set(purpose, key);
    }
    return key;
  }

  /**
   * A short-lived key for one item (e.g. one blob), derived from a purpose's subkey and the item's
   * random id. The caller zeroes it when done (see zero()).
   */
  itemKey(purpose: KeyPurpose, itemId: Uint8Array): Buffer {
    return Buffer.from(hkdfSync('sha256', this.subkey(purpose), itemId, INFO_PREFIX + purpose + ' item', 32));
  }

  /** Zeroes the master key and every subkey, and drops them. Returns the time it happened. */
  destroy(nowMs = Date.now()): number {
    if (this.#master) {
      this.#master.fill(0);
      this.#master = null;
      for (const key of this.#subkeys.values()) key.fill(0);
      this.#subkeys.clear();
      this.#destroyedAtMs = nowMs;
    }
    return this.#destroyedAtMs!;
  }

  #live(): Buffer {
    if (!this.#master) throw new KeyDestroyedError('this session\'s key was destroyed: its sealed files can no longer be read or written');
    return this.#master;
  }
}

export class KeyDestroyedError extends Error {
  override readonly name = 'KeyDestroyedError';
}

export function zero(...buffers: (Buffer | undefined)[]): void {
  for (const b of buffers) b?.fill(0);
}
