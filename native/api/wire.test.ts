import { describe, expect, it } from 'vitest';
import { API_METHODS, parseCall } from './wire.ts';

describe('parseCall: what a window may send', () => {
  it('accepts a call of a listed method with an object argument', () => {
    expect(parseCall('{"kind":"call","id":1,"method":"contacts","arg":{"serial":"x","offset":0,"limit":5}}')).toEqual({
      call: { kind: 'call', id: 1, method: 'contacts', arg: { serial: 'x', offset: 0, limit: 5 } },
    });
    expect(parseCall({ kind: 'call', id: 2, method: 'hello' })).toEqual({ call: { kind: 'call', id: 2, method: 'hello', arg: undefined } });
  });

  it('refuses everything else, saying why', () => {
    const refusals = [
      'not json',
      '[]',
      '{"kind":"result","id":1}',
      '{"kind":"call","id":"1","method":"hello"}',
      '{"kind":"call","id":1,"method":"constructor"}',
      '{"kind":"call","id":1,"method":"__proto__"}',
      '{"kind":"call","id":1,"method":"hello","arg":[1]}',
      '{"kind":"call","id":1,"method":"hello","arg":"x"}',
      'x'.repeat(1024 * 1024 + 1),
    ];
    for (const raw of refusals) expect(parseCall(raw)).toHaveProperty('refused');
  });

  it('lists every method once', () => {
    expect(new Set(API_METHODS).size).toBe(API_METHODS.length);
    expect(API_METHODS).toContain('cancelRescue');
  });
});
