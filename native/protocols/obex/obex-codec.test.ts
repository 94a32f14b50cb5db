import { describe, expect, it } from 'vitest';
import { assertAllowedRequestBytes, encodeRequest } from './obex-allowlist.ts';
import { HeaderId, Opcode, Response } from './obex-codes.ts';
import { ObexNotAllowedError, ObexProtocolError } from './obex-errors.ts';
import { FolderListingError, parseFolderListing } from './obex-folder-listing.ts';
import { decodeHeaders, encodeHeaders, header } from './obex-headers.ts';
import { decodeRequest, decodeResponse, encodeResponse } from './obex-packet.ts';

describe('OBEX headers and packets', () => {
  it('round-trips every header encoding, including text outside the BMP and the empty Name', () => {
    const headers = [header.connectionId(0xdeadbeef), header.name('Kesä 😀.jpg'), header.name(''), header.type('x-obex/folder-listing'), header.body(Uint8Array.of(1, 2, 3)), { id: 0x93, kind: 'byte' as const, value: 7 }];
    const bytes = encodeHeaders(headers);
    expect(Buffer.from(encodeHeaders([header.name('')])).toString('hex')).toBe('010003');
    const back = decodeHeaders(bytes);
    expect(back[0]).toEqual({ id: HeaderId.ConnectionId, kind: 'int', value: 0xdeadbeef });
    expect(back[1]).toEqual({ id: HeaderId.Name, kind: 'unicode', value: 'Kesä 😀.jpg' });
    expect(back[2]).toEqual({ id: HeaderId.Name, kind: 'unicode', value: '' });
    expect(Buffer.from((back[3] as { value: Uint8Array }).value).toString('latin1')).toBe('x-obex/folder-listing\0');
    expect(back[5]).toEqual({ id: 0x93, kind: 'byte', value: 7 });
  });

  it('turns malformed headers into clear protocol errors, never out-of-range reads', () => {
    const cases: [string, RegExp][] = [
      ['48ffff0102', /says it is 65535 bytes long, 65530 more than its packet holds/],
      ['480002', /says it is 2 bytes long, less than its own prefix/],
      ['010006004100', /odd number of bytes/],
      ['cb0000', /runs past the end of its packet/],
      ['93', /runs past the end of its packet/],
      ['48', /runs past the end of its packet/],
    ];
    for (const [hex, message] of cases) expect(() => decodeHeaders(Buffer.from(hex, 'hex')), hex).toThrow(message);
    expect(() => decodeHeaders(Buffer.alloc(2000, 0x93))).toThrow(ObexProtocolError); // 1000 one-byte headers
    expect(() => decodeResponse(Buffer.from('a00005', 'hex'), false)).toThrow(/declares 5 bytes but 3 were given/);
    expect(() => decodeResponse(Buffer.from('420003', 'hex'), false)).toThrow(/no OBEX response code/);
    expect(() => decodeResponse(Buffer.from('a00003', 'hex'), true)).toThrow(/too short for its version/);
  });

  it('encodes CONNECT with version 1.0 and the maximum packet length, and decodes the answer', () => {
    const connect = encodeRequest({ op: 'connect', maxPacketLength: 0x2000, headers: [header.target(new TextEncoder().encode('IRMC-SYNC'))] });
    expect(Buffer.from(connect).toString('hex')).toBe('800013' + '10002000' + '46000c' + Buffer.from('IRMC-SYNC').toString('hex'));
    const answer = decodeResponse(encodeResponse(Response.Success, [header.connectionId(1)], { maxPacketLength: 1024 }), true);
    expect(answer.connect).toEqual({ version: 0x10, flags: 0, maxPacketLength: 1024 });
    expect(answer.headers).toEqual([{ id: HeaderId.ConnectionId, kind: 'int', value: 1 }]);
    expect(() => encodeRequest({ op: 'connect', maxPacketLength: 254, headers: [] })).toThrow(/255-65535/);
  });
});

describe('read-only allowlist', () => {
  it('lets through only CONNECT, DISCONNECT, GET, ABORT and SETPATH with "don\'t create", across all 256 opcodes', () => {
    const allowed: number[] = [];
    for (let op = 0; op < 256; op++) {
      try {
        assertAllowedRequestBytes(Uint8Array.of(op, 0, 3));
        allowed.push(op);
      } catch (error) {
        expect(error).toBeInstanceOf(ObexNotAllowedError);
      }
    }
    // SETPATH is not in the list: 3 bytes have no flags, and a SETPATH without "don't create" is refused.
    expect(allowed).toEqual([Opcode.Get, Opcode.Connect, Opcode.Disconnect, Opcode.GetFinal, Opcode.Abort]);
    for (const put of [Opcode.Put, Opcode.PutFinal, Opcode.Action, 0x06, Opcode.Session]) {
      expect(() => assertAllowedRequestBytes(Uint8Array.of(put, 0, 3))).toThrow(/not on Lifeboat's read-only allowlist/);
    }
  });

  it('allows SETPATH only with the "don\'t create" flag, no other flag, and never "back up and name"', () => {
    const ok: number[] = [];
    for (let flags = 0; flags < 256; flags++) {
      try {
        assertAllowedRequestBytes(Uint8Array.of(Opcode.SetPath, 0, 5, flags, 0));
        ok.push(flags);
      } catch (error) {
        expect(error).toBeInstanceOf(ObexNotAllowedError);
      }
    }
    expect(ok).toEqual([0x02, 0x03]);
    expect(() => assertAllowedRequestBytes(Uint8Array.of(Opcode.SetPath, 0, 5, 0x02, 1))).toThrow(ObexNotAllowedError);
    const upAndName = Buffer.concat([Buffer.from([Opcode.SetPath, 0, 0, 0x03, 0]), Buffer.from(encodeHeaders([header.name('x')]))]);
    upAndName.writeUInt16BE(upAndName.length, 1);
    expect(() => assertAllowedRequestBytes(upAndName)).toThrow(/backs up and names a folder/);
    // What the encoder makes for each direction.
    expect(encodeRequest({ op: 'setpath', direction: 'up', headers: [] })[3]).toBe(0x03);
    expect(encodeRequest({ op: 'setpath', direction: 'root', headers: [header.name('')] })[3]).toBe(0x02);
    expect(decodeRequest(encodeRequest({ op: 'setpath', direction: 'down', headers: [header.name('Pictures')] })).setPath).toEqual({ flags: 0x02, constants: 0 });
  });

  it('refuses bytes that are not exactly one packet', () => {
    expect(() => assertAllowedRequestBytes(Uint8Array.of(Opcode.GetFinal, 0, 3, 0))).toThrow(/exactly one packet/);
    expect(() => assertAllowedRequestBytes(Uint8Array.of(Opcode.GetFinal))).toThrow(ObexNotAllowedError);
  });
});

describe('folder listing parser', () => {
  const listing = (body: string, doctype = '<!DOCTYPE folder-listing SYSTEM "obex-folder-listing.dtd">') => Buffer.from(`<?xml version="1.0"?>\n${doctype}\n<folder-listing version="1.0">\n<parent-folder/>\n${body}\n</folder-listing>\n`);

  it('reads folders and files with size and time, escapes decoded', () => {
    const out = parseFolderListing(listing('<folder name="Camera" modified="20240612T101500Z"/>\n<file name="A &amp; B &#x4E2D;.jpg" size="1234" modified="20240612T101500"/>\n<file name=\'q.jpg\' created="20240101T000000Z"></file>'));
    expect(out.refused).toEqual([]);
    expect(out.entries).toEqual([
      { kind: 'folder', name: 'Camera', modifiedMs: Date.UTC(2024, 5, 12, 10, 15, 0) },
      { kind: 'file', name: 'A & B 中.jpg', size: 1234, modifiedMs: Date.UTC(2024, 5, 12, 10, 15, 0) },
      { kind: 'file', name: 'q.jpg', modifiedMs: Date.UTC(2024, 0, 1) },
    ]);
  });

  it('never expands a declared entity (billion laughs), and refuses names that could climb out or hide', () => {
    const bomb = ['<!DOCTYPE folder-listing [', '<!ENTITY a "aaaaaaaaaa">', ...Array.from({ length: 9 }, (_, i) => `<!ENTITY a${i + 1} "${`&a${i === 0 ? '' : i};`.repeat(10)}">`), ']>'].join('\n');
    const started = Date.now();
    const out = parseFolderListing(
      listing(
        ['<file name="&a9;" size="1"/>', '<folder name=".."/>', '<file name="../x.jpg"/>', '<file name="a\\b.jpg"/>', '<file name="bell&#7;"/>', '<file name="nul&#0;"/>', `<file name="${'y'.repeat(300)}"/>`, '<file name="&#xD800;"/>', '<file name="a & b"/>', '<file size="3"/>', '<file name="ok.jpg" size="-5"/>'].join('\n'),
        bomb,
      ),
    );
    expect(Date.now() - started).toBeLessThan(500);
    expect(out.entries).toEqual([{ kind: 'file', name: 'ok.jpg' }]); // a size that is no number is left out, not guessed
    expect(out.refused.map((r) => r.reason)).toEqual([
      'its name uses the entity &a9; which Lifeboat does not expand',
      'its name is ".."',
      'its name holds a path separator',
      'its name holds a path separator',
      'its name holds control characters',
      'its name holds control characters',
      'its name is 300 characters long',
      'its name holds the invalid character reference &#xD800;',
      'its name holds a bare "&"',
      'it has no name',
    ]);
    expect(out.refused[4]!.shownName).toBe('bell?');
  });

  it('says clearly what is wrong with a listing that is not one', () => {
    expect(() => parseFolderListing(Buffer.from('<html><body>hello</body></html>'))).toThrow(/no <folder-listing> element/);
    expect(() => parseFolderListing(Buffer.from('<folder-listing><file name="x'))).toThrow(FolderListingError);
    expect(() => parseFolderListing(Buffer.from('<folder-listing><!-- never ends'))).toThrow(/ends inside a comment/);
    expect(() => parseFolderListing(listing('<file name=unquoted/>'))).toThrow(/not quoted/);
    const many = listing('<file name="f.jpg"/>\n'.repeat(20_001));
    expect(() => parseFolderListing(many)).toThrow(/more than 20000 entries/);
  });
});
