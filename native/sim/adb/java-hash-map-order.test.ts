import { describe, expect, it } from 'vitest';
import { copiedHashMapCapacity, javaHashMapIterationOrder, javaStringHashCode } from './java-hash-map-order.ts';

describe("java.util.HashMap's iteration order", () => {
  it('hashes strings as String.hashCode does', () => {
    expect(javaStringHashCode('hello')).toBe(99162322);
    expect(javaStringHashCode('')).toBe(0);
    expect(javaStringHashCode('Aa')).toBe(javaStringHashCode('BB')); // the classic collision
    expect(javaStringHashCode('polygenelubricants')).toBe(-2147483648);
  });

  it('walks buckets in order, and keys of one bucket in insertion order', () => {
    expect(javaHashMapIterationOrder(['c', 'b', 'a'])).toEqual(['a', 'b', 'c']); // 97, 98, 99 in a 16-table
    expect(javaHashMapIterationOrder(['BB', 'Aa'])).toEqual(['BB', 'Aa']);
    expect(javaHashMapIterationOrder(['Aa', 'BB'])).toEqual(['Aa', 'BB']);
    expect(javaHashMapIterationOrder(['q', 'a'])).toEqual(['q', 'a']); // 113 & 15 = 97 & 15 = 1: one bucket
  });

  // Expected orders printed by OpenJDK 17 (String.join(",", map.keySet())) for the same puts.
  it('grows the table like HashMap (0.75 load factor), as OpenJDK does', () => {
    const keys = Array.from({ length: 13 }, (_, i) => `k${i}`);
    expect(javaHashMapIterationOrder(keys).join(',')).toBe('k0,k1,k2,k3,k4,k5,k11,k6,k10,k7,k8,k12,k9');
  });

  it('sizes a copied map (new HashMap<>(map)) as OpenJDK does', () => {
    const source = ['title', 'dtstart', 'dtend', 'rrule', 'allDay', 'duration', 'eventTimezone', 'deleted', '_id', 'organizer', 'uid2445', 'lastDate'];
    expect(copiedHashMapCapacity(source.length)).toBe(32);
    expect(copiedHashMapCapacity(40)).toBe(64);
    expect(javaHashMapIterationOrder([...source, 'attendeeName'], copiedHashMapCapacity(source.length)).join(',')).toBe(
      'eventTimezone,title,uid2445,duration,attendeeName,allDay,rrule,deleted,organizer,_id,dtend,dtstart,lastDate',
    );
  });
});
