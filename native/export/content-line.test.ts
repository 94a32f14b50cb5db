import { describe, expect, it } from 'vitest';
import { contentLineProblems } from '../../test/validators/content-checks.ts';
import { contentLine, escapeText, foldBlock, foldLine, listValue, paramValue, sanitizeText, structuredValue, textValue } from './content-line.ts';

const unfold = (s: string): string => s.replace(/\r\n /g, '');
const physical = (s: string): string[] => s.split('\r\n');
const octets = (s: string): number => Buffer.byteLength(s, 'utf8');

describe('foldLine', () => {
  it('leaves a line of exactly 75 octets alone and folds one of 76', () => {
    expect(foldLine('a'.repeat(75))).toBe('a'.repeat(75));
    expect(foldLine('a'.repeat(76))).toBe(`${'a'.repeat(75)}\r\n a`);
  });

  it('continuation lines hold 74 octets after their space', () => {
    const lines = physical(foldLine('x'.repeat(75 + 74 + 10)));
    expect(lines.map(octets)).toEqual([75, 75, 11]);
    expect(lines.slice(1).every((l) => l.startsWith(' '))).toBe(true);
  });

  it('counts octets, not characters', () => {
    const folded = foldLine('é'.repeat(40)); // 80 octets in 40 characters
    expect(physical(folded).map(octets)).toEqual([74, 7]);
    expect(unfold(folded)).toBe('é'.repeat(40));
  });

  // Every position of a 2-, 3- and 4-octet character (and a ZWJ emoji sequence) around the fold
  // points: no physical line over 75 octets, every line valid UTF-8, unfolding restores the text.
  for (const [name, ch] of [
    ['é (2 octets)', 'é'],
    ['CJK 中 (3 octets)', '中'],
    ['emoji 😀 (4 octets, surrogate pair)', '😀'],
    ['family emoji ZWJ sequence', '👨‍👩‍👧'],
    ['combining accent', 'e\u0301'],
  ] as const) {
    it(`never splits ${name} at any offset`, () => {
      for (let prefix = 0; prefix < 160; prefix++) {
        const line = 'N'.repeat(prefix) + ch.repeat(3) + 'tail';
        const folded = foldLine(line);
        expect(unfold(folded)).toBe(line);
        expect(contentLineProblems(`${folded}\r\n`)).toEqual([]);
      }
    });
  }

  it('does not split a surrogate pair even when it is a lone character at the limit', () => {
    const line = 'a'.repeat(73) + '😀' + 'b';
    const [first, second] = physical(foldLine(line));
    expect(first).toBe('a'.repeat(73));
    expect(second).toBe(' 😀b');
  });

  it('refuses raw line breaks, which would start a new property', () => {
    expect(() => foldLine('NOTE:a\r\nEND:VCARD')).toThrow(/CR or LF/);
    expect(() => foldLine('NOTE:a\nb')).toThrow();
  });

  it('folds a 10,000-character line into lines of at most 75 octets', () => {
    const line = `NOTE:${'Ünïcödé 中文 😀 '.repeat(700)}`;
    const folded = foldLine(line);
    expect(contentLineProblems(`${folded}\r\n`)).toEqual([]);
    expect(unfold(folded)).toBe(line);
  });
});

describe('escapeText', () => {
  it('escapes backslash, the separators and every newline form', () => {
    expect(escapeText('a\\b,c;d')).toBe('a\\\\b\\,c\\;d');
    expect(escapeText('1\r\n2\r3\n4')).toBe('1\\n2\\n3\\n4');
  });
  it('escapes the backslash before adding escapes (no double escaping)', () => {
    expect(escapeText('\\n')).toBe('\\\\n');
    expect(escapeText('\\,')).toBe('\\\\\\,');
  });
  it('can leave semicolons alone for vCard 4.0 single values', () => {
    expect(escapeText('a;b,c', { semicolon: false })).toBe('a;b\\,c');
  });
  it('leaves colons and quotes alone (they need no escape in values)', () => {
    expect(escapeText('END:VCARD "x"')).toBe('END:VCARD "x"');
  });
});

describe('sanitizeText', () => {
  it('drops control characters but keeps tab', () => {
    expect(sanitizeText('a\u0000b\u0007c\u001bd\u007fe\tf')).toBe('abcde\tf');
  });
  it('turns every line separator into LF', () => {
    expect(sanitizeText('1\r\n2\r3\u20284\u20295\u00856')).toBe('1\n2\n3\n4\n5\n6');
  });
  it('replaces lone surrogates, which have no UTF-8 form, and keeps pairs', () => {
    expect(sanitizeText('a\ud800b\udc00c😀')).toBe('a\ufffdb\ufffdc😀');
  });
  it('is applied by textValue before escaping', () => {
    expect(textValue('x\u0001,\r\ny')).toBe('x\\,\\ny');
  });
});

describe('paramValue', () => {
  it('quotes values holding : ; or ,', () => {
    expect(paramValue('Doe, John')).toBe('"Doe, John"');
    expect(paramValue('a:b')).toBe('"a:b"');
    expect(paramValue('a;b')).toBe('"a;b"');
    expect(paramValue('plain value')).toBe('plain value');
  });
  it('drops double quotes and control characters, newlines become spaces', () => {
    expect(paramValue('say "hi"\u0000')).toBe('say hi');
    expect(paramValue('two\nlines')).toBe('two lines');
  });
  it('can use RFC 6868 carets instead', () => {
    expect(paramValue('a "b"\nc^d', { caret: true })).toBe("a ^'b^'^nc^^d");
  });
});

describe('contentLine and friends', () => {
  it('builds name, parameters and value, folded and CRLF-terminated', () => {
    expect(contentLine('TEL', '+1', [['TYPE', ['CELL', 'VOICE']], ['X-EMPTY', []]])).toBe('TEL;TYPE=CELL,VOICE:+1\r\n');
    expect(contentLine('ATTENDEE', 'mailto:a@b', [['CN', 'Doe, J']])).toBe('ATTENDEE;CN="Doe, J":mailto:a@b\r\n');
  });
  it('escapes the components of structured and list values', () => {
    expect(structuredValue(['Doe; Jr', undefined, 'a,b'])).toBe('Doe\\; Jr;;a\\,b');
    expect(listValue(['a,b', 'c'])).toBe('a\\,b,c');
  });
  it('refolds a foreign block', () => {
    const long = `X-LONG:${'z'.repeat(100)}`;
    const out = foldBlock(`BEGIN:X\n${long}\r\nEND:X`);
    expect(contentLineProblems(out)).toEqual([]);
    expect(unfold(out)).toBe(`BEGIN:X\r\n${long}\r\nEND:X\r\n`);
  });
});
