import crypto from 'node:crypto';
import { verifyTokenSignature } from './adb-auth-signature.ts';
import { BadPublicKeyError, parseAndroidPublicKey, type AndroidPublicKey } from './android-public-key.ts';

/**
 * How the simulated phone treats a computer's key, i.e. what its user does with the
 * "Allow USB debugging?" dialog:
 * - `none`: no AUTH at all (a phone with ro.adb.secure=0, as some builds and emulators): CNXN at once;
 * - `trust-all`: any key offered with RSAPUBLICKEY is allowed at once (the user always taps Allow);
 * - `ask`: the dialog is shown; `prompt` answers it, or it is accepted after `askDelayMs`;
 * - `deny`: the dialog is always refused; the computer stays "unauthorized".
 * Signatures are always checked for real against keys allowed before.
 */
export type AuthMode = 'none' | 'trust-all' | 'ask' | 'deny';

export interface AuthPromptRequest {
  /** The computer's key as sent, `base64 user@host`. */
  publicKey: string;
  /** The "RSA key fingerprint" the phone's dialog shows: MD5 of the key blob, as hex pairs. */
  fingerprint: string;
  comment: string;
}

export interface AuthGateOptions {
  mode: AuthMode;
  /** Keys allowed before ("Always allow from this computer"), in adbkey.pub form. */
  trustedKeys?: readonly string[];
  /** Answers the dialog in `ask` mode; without it the dialog is accepted after `askDelayMs`. */
  prompt?: (request: AuthPromptRequest) => boolean | Promise<boolean>;
  askDelayMs?: number;
  log: (message: string) => void;
}

export class AuthGate {
  private readonly allowed: AndroidPublicKey[] = [];

  constructor(private readonly options: AuthGateOptions) {
    for (const text of options.trustedKeys ?? []) this.allowed.push(parseAndroidPublicKey(text));
  }

  get required(): boolean {
    return this.options.mode !== 'none';
  }

  /** True when one of the allowed keys made this signature over this token. */
  signatureIsValid(token: Uint8Array, signature: Uint8Array): boolean {
    return this.allowed.some((entry) => verifyTokenSignature(entry.key, token, signature));
  }

  /**
   * The dialog for a key the phone does not know. Resolves to true when the key is now allowed
   * (remembered for later connections, like "Always allow"), false when refused or not a key.
   */
  async offerKey(payload: Buffer): Promise<boolean> {
    let key: AndroidPublicKey;
    try {
      key = parseAndroidPublicKey(payload.toString('latin1'));
    } catch (error) {
      this.options.log(`AUTH: ignoring a public key that is not one (${(error as BadPublicKeyError).message})`);
      return false;
    }
    const blob = Buffer.from(key.base64, 'base64');
    const fingerprint = (crypto.createHash('md5').update(blob).digest('hex').match(/../g) ?? []).join(':').toUpperCase();
    const request: AuthPromptRequest = { publicKey: `${key.base64} ${key.comment}`.trim(), fingerprint, comment: key.comment };
    let allow: boolean;
    switch (this.options.mode) {
      case 'none':
      case 'trust-all':
        allow = true;
        break;
      case 'deny':
        allow = false;
        break;
      case 'ask':
        this.options.log(`AUTH: "Allow USB debugging?" shown for ${key.comment || 'a computer'} (${fingerprint})`);
        allow = this.options.prompt
          ? await this.options.prompt(request)
          : await new Promise<boolean>((resolve) => setTimeout(() => resolve(true), this.options.askDelayMs ?? 1000).unref());
        break;
    }
    this.options.log(`AUTH: key of ${key.comment || 'a computer'} (${fingerprint}) ${allow ? 'allowed' : 'refused'}`);
    if (allow && !this.allowed.some((entry) => entry.base64 === key.base64)) this.allowed.push(key);
    return allow;
  }
}
