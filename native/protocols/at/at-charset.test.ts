import { describe, expect, it } from 'vitest';
import { chooseCharset, decodeNumber, decodeText, encodeText, withNumberType } from './at-charset.ts';
import { decodeGsm7, encodeGsm7 } from './gsm-alphabet.ts';

const latin1 = (bytes: number[]) => Buffer.from(bytes).toString('latin1');

describe('GSM 7-bit default alphabet (23.038)', () => {
  it('decodes the extension table exactly', () => {
    const cases: [number, string][] = [[0x65, '€'], [0x3c, '['], [0x3e, ']'], [0x28, '{'], [0x29, '}'], [0x3d, '~'], [0x2f, '\\'], [0x14, '^'], [0x40, '|'], [0x0a, '\f']];
    for (const [code, ch] of cases) expect(decodeGsm7([0x1b, code])).toBe(ch);
  });

  it('decodes the default table where it differs from ASCII', () => {
    expect(decodeGsm7([0x00, 0x01, 0x02, 0x03, 0x11, 0x24, 0x40, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f, 0x60, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f])).toBe('@£$¥_¤¡ÄÖÑÜ§¿äöñüà');
    expect(decodeGsm7([0x10, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a])).toBe('ΔΦΓΛΩΠΨΣΘΞ');
    expect(decodeGsm7([0x1c, 0x1d, 0x1e, 0x1f, 0x0e, 0x0f, 0x0b, 0x0c, 0x09])).toBe('ÆæßÉÅåØøÇ');
  });

  it('round-trips every character it can encode, and refuses what it cannot', () => {
    const all = decodeGsm7([...Array(128).keys()].filter((c) => c !== 0x1b)) + '€[]{}~\\^|';
    expect(decodeGsm7(encodeGsm7(all)!)).toBe(all);
    expect(encodeGsm7('王')).toBeUndefined();
    expect(encodeGsm7('€')).toEqual([0x1b, 0x65]);
  });

  it('shows an unknown escape as the default character and a bytes above 0x7F as U+FFFD', () => {
    expect(decodeGsm7([0x1b, 0x41])).toBe('A');
    expect(decodeGsm7([0x41, 0xc3])).toBe('A\ufffd');
  });
});

describe('+CSCS character sets', () => {
  it('prefers UCS2, then UTF-8, then GSM, keeping the phone spelling', () => {
    expect(chooseCharset(['GSM', 'IRA', 'UCS2'])).toEqual({ charset: 'UCS2', spelling: 'UCS2' });
    expect(chooseCharset(['GSM', 'UTF8'])).toEqual({ charset: 'UTF-8', spelling: 'UTF8' });
    expect(chooseCharset(['IRA', 'GSM'])).toEqual({ charset: 'GSM', spelling: 'GSM' });
    expect(chooseCharset(['PCCP437'])).toBeUndefined();
  });

  it('decodes UCS2 hex (with surrogate pairs), UTF-8 bytes, GSM bytes and HEX', () => {
    expect(decodeText('004A00FC0072006700650072', 'UCS2')).toBe('Jürger');
    expect(decodeText('738B82B3', 'UCS2')).toBe('王芳');
    expect(decodeText('D83CDF89', 'UCS2')).toBe('🎉');
    expect(decodeText(Buffer.from('Zoë Ångström', 'utf8').toString('latin1'), 'UTF-8')).toBe('Zoë Ångström');
    expect(decodeText(latin1([0x43, 0x61, 0x66, 0x05, 0x20, 0x1b, 0x3c, 0x42, 0x7e, 0x72, 0x6f, 0x1b, 0x3e, 0x20, 0x1b, 0x65]), 'GSM')).toBe('Café [Büro] €');
    expect(decodeText('1B65', 'HEX')).toBe('€');
    expect(() => decodeText('00E', 'UCS2')).toThrow(/UCS2/);
  });

  it('encodes what it decodes', () => {
    for (const charset of ['UCS2', 'UTF-8', 'GSM', 'HEX'] as const) {
      const text = 'Ñoño ~ \\ ^ | €5 {x}';
      expect(decodeText(encodeText(text, charset), charset)).toBe(text);
    }
  });

  it('reads numbers plain or in the link charset, and type 145 as a leading +', () => {
    expect(decodeNumber('4915112345678', 'UCS2')).toBe('4915112345678');
    expect(decodeNumber('002B0034003900310035', 'UCS2')).toBe('+4915');
    expect(decodeNumber('00310032', 'UCS2')).toBe('12');
    expect(decodeNumber('*100#', 'GSM')).toBe('*100#');
    expect(withNumberType('4915112345678', 145)).toBe('+4915112345678');
    expect(withNumberType('+4915112345678', 145)).toBe('+4915112345678');
    expect(withNumberType('0301234', 129)).toBe('0301234');
    expect(withNumberType('', 145)).toBe('');
  });
});
