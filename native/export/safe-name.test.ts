import { describe, expect, it } from 'vitest';
import { collisionKey, safeName, truncateUtf8, withSuffix } from './safe-name.ts';

describe('safeName', () => {
  it('removes separators, control characters and percent signs', () => {
    expect(safeName('a/b\\c')).toBe('a_b_c');
    expect(safeName('x\u0000y\u001fz\u007f')).toBe('x_y_z_');
    expect(safeName('100% sure.jpg')).toBe('100_ sure.jpg');
    expect(safeName('IMG 2024:01:01 <1>.jpg')).toBe('IMG 2024_01_01 _1_.jpg');
  });

  it('never yields a name that means something else to a file system', () => {
    expect(safeName('..')).toBe('__');
    expect(safeName('.')).toBe('_');
    expect(safeName('')).toBe('unnamed');
    expect(safeName('   ')).toBe('unnamed');
    expect(safeName('CON')).toBe('_CON');
    expect(safeName('nul.txt')).toBe('_nul.txt');
    expect(safeName('LPT1.jpg')).toBe('_LPT1.jpg');
    expect(safeName('photo.jpg. . ')).toBe('photo.jpg');
    expect(safeName('.hidden')).toBe('_hidden');
  });

  it('normalises to NFC', () => {
    const nfd = 'Zoe\u0308.jpg';
    expect(safeName(nfd)).toBe('Zoë.jpg');
    expect(safeName(nfd).length).toBe(7);
  });

  it('shortens long names on a character boundary and keeps the extension', () => {
    const long = `${'ä'.repeat(300)}.jpeg`;
    const out = safeName(long);
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(200);
    expect(out.endsWith('.jpeg')).toBe(true);
    expect(out).not.toContain('\ufffd');
    expect(truncateUtf8('😀😀😀.x', 9)).toBe('😀.x');
  });

  it('adds suffixes before the extension and compares names as case-insensitive file systems do', () => {
    expect(withSuffix('IMG_1.jpg', 1)).toBe('IMG_1 (1).jpg');
    expect(withSuffix('README', 2)).toBe('README (2)');
    expect(collisionKey('a/IMG_1.JPG')).toBe(collisionKey('a/img_1.jpg'));
  });
});
