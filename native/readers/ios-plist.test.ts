import { describe, expect, it } from 'vitest';
import { writeBinaryPlist, writeXmlPlist } from '../sim/iphone-backup/plist-writer.ts';
import { parseBinaryPlist, parsePlist, parseXmlPlist, PlistError, PlistUid } from './ios-plist.ts';

const sample = {
  name: 'Lena’s iPhone ✓',
  ascii: 'plain',
  long: 'x'.repeat(300),
  count: 42,
  big: 2 ** 40,
  negative: -7,
  real: 3.25,
  yes: true,
  no: false,
  when: new Date('2024-10-01T18:00:00Z'),
  data: Buffer.from([0, 1, 2, 250, 255]),
  list: [1, 'two', [3], { four: 4 }],
  empty: {},
  emptyList: [],
};

describe('binary plists', () => {
  it('read back what the writer wrote, including UIDs and 8-byte integers', () => {
    const back = parseBinaryPlist(writeBinaryPlist({ ...sample, uid: new PlistUid(300), huge: 2n ** 62n }));
    expect(back).toEqual({ ...sample, uid: new PlistUid(300), huge: 2n ** 62n });
  });

  it('reject damaged files with a PlistError, never a crash or a hang', () => {
    const good = writeBinaryPlist(sample);
    const bad: Buffer[] = [
      good.subarray(0, 20),
      Buffer.concat([Buffer.from('bplist01'), good.subarray(8)]),
      Buffer.from(good).fill(0xff, good.length - 8), // offset table pointer far outside
      Buffer.from(good).fill(0x7f, good.length - 24, good.length - 16), // absurd object count
    ];
    // An array that contains itself: object 0 is an array whose one member is object 0.
    const cyclic = Buffer.concat([Buffer.from('bplist00'), Buffer.from([0xa1, 0x00]), Buffer.from([8]), Buffer.alloc(32)]);
    cyclic[cyclic.length - 32 + 6] = 1;
    cyclic[cyclic.length - 32 + 7] = 1;
    cyclic.writeBigUInt64BE(1n, cyclic.length - 32 + 8);
    cyclic.writeBigUInt64BE(10n, cyclic.length - 32 + 24);
    bad.push(cyclic);
    for (const bytes of bad) expect(() => parseBinaryPlist(bytes)).toThrow(PlistError);
  });

  it('refuse nesting deeper than any real plist', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(() => parseBinaryPlist(writeBinaryPlist(deep as never))).toThrow(/nested too deeply/);
  });
});

describe('XML plists', () => {
  it('read back what the writer wrote', () => {
    expect(parseXmlPlist(writeXmlPlist(sample))).toEqual(sample);
  });

  it('decode entities, CDATA and keep whitespace inside strings', () => {
    const xml = `<?xml version="1.0"?><!DOCTYPE plist><plist version="1.0"><dict>
      <key>a &amp; b</key><string>  x &lt;y&gt; &#233; &#x1F600; </string>
      <key>c</key><string><![CDATA[<raw>]]></string>
      <key>d</key><integer> 12 </integer><!-- a comment -->
    </dict></plist>`;
    expect(parsePlist(Buffer.from(xml))).toEqual({ 'a & b': '  x <y> é 😀 ', c: '<raw>', d: 12 });
  });

  it('reject what is not a plist', () => {
    for (const xml of ['<plist><dict><key>a</key></dict></plist>', '<plist><integer>x</integer></plist>', '<plist><string>&bogus;</string></plist>', '<plist><string>a</plist>', 'not xml']) {
      expect(() => parsePlist(Buffer.from(xml))).toThrow(PlistError);
    }
  });
});
