import crypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { signTokenLikeAdb, verifyTokenSignature } from './adb-auth-signature.ts';
import { startAdbSimulator, type AdbSimulator } from './adb-simulator.ts';
import { A_AUTH, A_CNXN, AUTH_RSAPUBLICKEY, AUTH_SIGNATURE, AUTH_TOKEN, MAX_PAYLOAD } from './adb-protocol-constants.ts';
import { encodeAndroidPublicKey, parseAndroidPublicKey } from './android-public-key.ts';
import { FakeAdbHost } from './fake-adb-host.ts';
import { memoryDuplexPair } from './memory-duplex-pair.ts';

const IMAGE = new URL('../../../images/demo-android', import.meta.url).pathname;
const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 65537 });

describe("Android's public key format", () => {
  it('round-trips a node:crypto RSA key through the adbkey.pub form', () => {
    const text = encodeAndroidPublicKey(publicKey, 'alice@laptop');
    const blob = Buffer.from(text.split(' ')[0]!, 'base64');
    expect(blob.length).toBe(524);
    expect(blob.readUInt32LE(0)).toBe(64);
    expect(blob.readUInt32LE(520)).toBe(65537);
    const parsed = parseAndroidPublicKey(`${text}\0`);
    expect(parsed.comment).toBe('alice@laptop');
    expect(parsed.key.export({ format: 'jwk' }).n).toBe(publicKey.export({ format: 'jwk' }).n);
  });

  it('refuses a blob whose n0inv or rr does not belong to its modulus', () => {
    const blob = Buffer.from(encodeAndroidPublicKey(publicKey).split(' ')[0]!, 'base64');
    const badN0inv = Buffer.from(blob);
    badN0inv.writeUInt32LE((badN0inv.readUInt32LE(4) + 1) >>> 0, 4);
    expect(() => parseAndroidPublicKey(badN0inv.toString('base64'))).toThrowError(/n0inv/);
    const badRr = Buffer.from(blob);
    badRr.writeUInt8(badRr.readUInt8(300) ^ 1, 300);
    expect(() => parseAndroidPublicKey(badRr.toString('base64'))).toThrowError(/rr/);
    expect(() => parseAndroidPublicKey(blob.subarray(0, 100).toString('base64'))).toThrowError(/bytes/);
  });
});

describe('AUTH signature check', () => {
  it('accepts the signature adb makes (the token taken as a SHA-1 digest) and nothing else', () => {
    const token = crypto.randomBytes(20);
    const signature = signTokenLikeAdb(privateKey, token);
    expect(verifyTokenSignature(publicKey, token, signature)).toBe(true);
    expect(verifyTokenSignature(publicKey, crypto.randomBytes(20), signature)).toBe(false);
    const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(verifyTokenSignature(other.publicKey, token, signature)).toBe(false);
    // A standard SHA-1 signature of the token is a different thing and must not pass.
    expect(verifyTokenSignature(publicKey, token, crypto.sign('sha1', token, privateKey))).toBe(false);
    expect(verifyTokenSignature(publicKey, token, Buffer.alloc(10))).toBe(false);
  });
});

describe('AUTH handshake modes', () => {
  let simulator: AdbSimulator | undefined;
  afterEach(async () => {
    await simulator?.close();
    simulator = undefined;
  });

  function hostFor(options: Parameters<typeof startAdbSimulator>[0]): FakeAdbHost {
    simulator = startAdbSimulator(options);
    const [hostSide, phoneSide] = memoryDuplexPair();
    simulator.attach(phoneSide);
    return new FakeAdbHost(hostSide);
  }

  it('trust-all: token, bad signature → new token, public key → CNXN with the banner', async () => {
    const host = hostFor({ imageDir: IMAGE, auth: 'trust-all', log: () => {} });
    host.send(A_CNXN, 0x01000001, MAX_PAYLOAD, 'host::\0');
    const token = await host.expect(A_AUTH);
    expect(token.arg0).toBe(AUTH_TOKEN);
    expect(token.payload.length).toBe(20);
    host.send(A_AUTH, AUTH_SIGNATURE, 0, signTokenLikeAdb(privateKey, token.payload));
    const again = await host.expect(A_AUTH);
    expect(again.arg0).toBe(AUTH_TOKEN);
    expect(again.payload.equals(token.payload)).toBe(false);
    host.send(A_AUTH, AUTH_RSAPUBLICKEY, 0, `${encodeAndroidPublicKey(publicKey, 'me@here')}\0`);
    const cnxn = await host.expect(A_CNXN);
    expect(cnxn.payload.toString()).toBe(
      'device::ro.product.name=panther;ro.product.model=Pixel 7;ro.product.device=panther;features=shell_v2,stat_v2,ls_v2,sendrecv_v2',
    );
    expect(cnxn.arg1).toBe(MAX_PAYLOAD);
  });

  it('a key allowed before is recognised by its signature alone', async () => {
    const host = hostFor({ imageDir: IMAGE, auth: 'deny', trustedKeys: [encodeAndroidPublicKey(publicKey)], log: () => {} });
    const cnxn = await host.connect(privateKey);
    expect(cnxn.command).toBe(A_CNXN);
  });

  it('deny: the public key is refused and the host stays unauthorised', async () => {
    const host = hostFor({ imageDir: IMAGE, auth: 'deny', log: () => {} });
    host.send(A_CNXN, 0x01000001, MAX_PAYLOAD, 'host::\0');
    await host.expect(A_AUTH);
    host.send(A_AUTH, AUTH_RSAPUBLICKEY, 0, `${encodeAndroidPublicKey(publicKey)}\0`);
    await expect(host.next(500)).rejects.toThrow(/no packet in time/);
    expect(host.isEnded).toBe(false); // the phone keeps the link, as a real one does
  });

  it('ask: the dialog decides, and "allow" is remembered for the next connection', async () => {
    const asked: string[] = [];
    const host = hostFor({
      imageDir: IMAGE,
      auth: 'ask',
      prompt: async (request) => {
        asked.push(request.fingerprint);
        await new Promise((resolve) => setTimeout(resolve, 50));
        return true;
      },
      log: () => {},
    });
    await host.connect(privateKey);
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatch(/^([0-9A-F]{2}:){15}[0-9A-F]{2}$/);
    const [hostSide, phoneSide] = memoryDuplexPair();
    simulator!.attach(phoneSide);
    await new FakeAdbHost(hostSide).connect(privateKey);
    expect(asked).toHaveLength(1); // the second connection signed with a known key: no dialog
  });

  it('ask without a callback accepts after the delay', async () => {
    const host = hostFor({ imageDir: IMAGE, auth: 'ask', askDelayMs: 100, log: () => {} });
    const started = Date.now();
    await host.connect(privateKey);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });

  it('a prompt that fails costs the connection, not the simulator', async () => {
    const logs: string[] = [];
    const host = hostFor({ imageDir: IMAGE, auth: 'ask', prompt: () => Promise.reject(new Error('dialog crashed')), log: (m) => logs.push(m) });
    await expect(host.connect(privateKey)).rejects.toThrow(/the link ended/);
    expect(logs).toContain('connection closed: AUTH failed: dialog crashed');
  });

  it('none: CNXN at once, no AUTH', async () => {
    const host = hostFor({ imageDir: IMAGE, auth: 'none', log: () => {} });
    expect((await host.connect()).command).toBe(A_CNXN);
  });
});
