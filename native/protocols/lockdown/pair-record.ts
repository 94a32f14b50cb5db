import crypto from 'node:crypto';
import { asDict, decodeXmlPlist, encodeXmlPlist, optionalData, optionalString, type PlistDict } from '../usbmux/plist-xml.ts';
import { makeCertificate, toPem } from './x509-certificate.ts';

/**
 * What a computer and an iPhone share after the owner tapped "Trust": the keys and certificates
 * of both sides, in the fields and PEM forms libimobiledevice and Apple's own stack use (so a
 * record is a plain XML plist any of them can read).
 */
export interface PairRecord {
  hostId: string;
  systemBuid: string;
  /** PEM text, as lockdown's records hold them. */
  rootCertificate: string;
  rootPrivateKey: string;
  hostCertificate: string;
  hostPrivateKey: string;
  deviceCertificate: string;
  /** Given by the phone on pairing; unlocks data-protected services while the phone is locked. */
  escrowBag?: Buffer;
  wifiMacAddress?: string;
}

/**
 * A new pair record for the phone whose public key (lockdown's DevicePublicKey, a PKCS #1 PEM)
 * is given: a root (CA) key and certificate, a host key and certificate signed by the root,
 * and the phone's certificate, also signed by the root.
 */
export function generatePairRecord(devicePublicKeyPem: Buffer | string, systemBuid: string): PairRecord {
  const devicePublicKey = crypto.createPublicKey({ key: devicePublicKeyPem.toString(), format: 'pem' });
  if (devicePublicKey.asymmetricKeyType !== 'rsa') throw new Error(`the phone's public key is ${devicePublicKey.asymmetricKeyType}, not RSA`);
  const root = crypto.generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 65537 });
  const host = crypto.generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 65537 });
  const rootCert = makeCertificate({ subjectKey: root.publicKey, signingKey: root.privateKey, isAuthority: true, keyUsage: false, subjectKeyIdentifier: false });
  const hostCert = makeCertificate({ subjectKey: host.publicKey, signingKey: root.privateKey, isAuthority: false, keyUsage: true, subjectKeyIdentifier: false });
  const deviceCert = makeCertificate({ subjectKey: devicePublicKey, signingKey: root.privateKey, isAuthority: false, keyUsage: true, subjectKeyIdentifier: true });
  return {
    hostId: crypto.randomUUID().toUpperCase(),
    systemBuid,
    rootCertificate: toPem(rootCert),
    rootPrivateKey: root.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    hostCertificate: toPem(hostCert),
    hostPrivateKey: host.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    deviceCertificate: toPem(deviceCert),
  };
}

/** The part of a record that goes to the phone in Pair and ValidatePair: never a private key. */
export function pairRecordForPhone(record: PairRecord): PlistDict {
  return {
    DeviceCertificate: Buffer.from(record.deviceCertificate),
    HostCertificate: Buffer.from(record.hostCertificate),
    HostID: record.hostId,
    RootCertificate: Buffer.from(record.rootCertificate),
    SystemBUID: record.systemBuid,
  };
}

export function encodePairRecord(record: PairRecord): Buffer {
  const dict: PlistDict = {
    DeviceCertificate: Buffer.from(record.deviceCertificate),
    HostCertificate: Buffer.from(record.hostCertificate),
    HostID: record.hostId,
    HostPrivateKey: Buffer.from(record.hostPrivateKey),
    RootCertificate: Buffer.from(record.rootCertificate),
    RootPrivateKey: Buffer.from(record.rootPrivateKey),
    SystemBUID: record.systemBuid,
  };
  if (record.escrowBag) dict.EscrowBag = record.escrowBag;
  if (record.wifiMacAddress) dict.WiFiMACAddress = record.wifiMacAddress;
  return encodeXmlPlist(dict);
}

/** A record read back (ours, or an XML one another tool wrote); throws when a part is missing. */
export function decodePairRecord(bytes: Buffer): PairRecord {
  const dict = asDict(decodeXmlPlist(bytes), 'a pair record');
  const pem = (key: string): string => {
    const data = optionalData(dict, key);
    if (!data) throw new Error(`the pair record has no ${key}`);
    return data.toString('utf8');
  };
  const hostId = optionalString(dict, 'HostID');
  const systemBuid = optionalString(dict, 'SystemBUID');
  if (!hostId || !systemBuid) throw new Error('the pair record has no HostID or SystemBUID');
  const record: PairRecord = {
    hostId,
    systemBuid,
    rootCertificate: pem('RootCertificate'),
    rootPrivateKey: pem('RootPrivateKey'),
    hostCertificate: pem('HostCertificate'),
    hostPrivateKey: pem('HostPrivateKey'),
    deviceCertificate: pem('DeviceCertificate'),
  };
  const escrow = optionalData(dict, 'EscrowBag');
  if (escrow) record.escrowBag = escrow;
  const wifi = optionalString(dict, 'WiFiMACAddress');
  if (wifi) record.wifiMacAddress = wifi;
  return record;
}
