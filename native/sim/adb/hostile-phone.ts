/**
 * Ways a broken or hostile phone can misbehave, for tests that Lifeboat never lets one win:
 * each ends the run by itself with a clear error, in bounded memory and time, with nothing
 * written outside the vault, and what was saved before it misbehaved still safe.
 *
 * Packet level (on the first data packet of a `sync:` stream, so that contacts and calendar,
 * read through `shell`, are rescued first):
 *   bad-magic        a header whose magic is not its command's complement
 *   unknown-command  a packet of a type ADB does not have
 *   huge-packet      a header announcing 4 GiB of payload
 * Sync service:
 *   endless-file     every file's RECV goes on sending data after the file's end, forever
 *   lying-size       listings give sizes that are not the files' (some larger, some smaller)
 *   evil-names       listings add names with "/", "..", control characters, 255 bytes and 4 KiB long, not UTF-8
 * Shell:
 *   endless-shell    getprop and dumpsys print without end
 *   endless-row      `content query` prints one row whose last value never ends
 */
export const ADB_HOSTILITIES = [
  'bad-magic',
  'unknown-command',
  'huge-packet',
  'endless-file',
  'lying-size',
  'evil-names',
  'endless-shell',
  'endless-row',
] as const;
export type AdbHostility = (typeof ADB_HOSTILITIES)[number];

export type PacketHostility = Extract<AdbHostility, 'bad-magic' | 'unknown-command' | 'huge-packet'>;

export function isPacketHostility(hostility: AdbHostility | undefined): hostility is PacketHostility {
  return hostility === 'bad-magic' || hostility === 'unknown-command' || hostility === 'huge-packet';
}

/** A header made wrong in the chosen way (the header is 24 bytes: command, arg0, arg1, length, check, magic). */
export function corruptHeader(header: Buffer, hostility: PacketHostility): Buffer {
  const bad = Buffer.from(header);
  if (hostility === 'bad-magic') bad.writeUInt32LE((bad.readUInt32LE(20) ^ 0x00010000) >>> 0, 20);
  if (hostility === 'unknown-command') {
    const command = 0x4b4c4f42; // "BOLK": no such packet
    bad.writeUInt32LE(command, 0);
    bad.writeUInt32LE((command ^ 0xffffffff) >>> 0, 20);
  }
  if (hostility === 'huge-packet') bad.writeUInt32LE(0xffffff00, 12);
  return bad;
}

/** Names the `evil-names` phone adds to every listing; those a client could ask for are served as photos. */
export const EVIL_NAMES: readonly { name: Buffer; servable: boolean }[] = [
  { name: Buffer.from('..'), servable: false },
  { name: Buffer.from('.'), servable: false },
  { name: Buffer.from('up/../../../etc/passwd.jpg'), servable: false },
  { name: Buffer.from('new\nline Row: 1 _id=2.jpg'), servable: true },
  { name: Buffer.from('bell\u0007tab\tesc\u001b[31m.jpg'), servable: true },
  { name: Buffer.from(`${'L'.repeat(251)}.jpg`), servable: true }, // 255 bytes: Linux's longest name
  { name: Buffer.from(`${'L'.repeat(4096)}.jpg`), servable: false }, // longer than any file name can be
  { name: Buffer.from([0x6e, 0x6f, 0x74, 0xff, 0xfe, 0x2e, 0x6a, 0x70, 0x67]), servable: false }, // not UTF-8
];

/** The size a `lying-size` phone lists for a file: odd entries larger than they are, even ones smaller. */
export function liedSize(size: bigint, index: number): bigint {
  return index % 2 === 1 ? size * 3n + 7n : size / 3n;
}
