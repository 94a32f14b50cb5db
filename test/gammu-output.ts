import { expect } from 'vitest';
import type { Contact } from '../native/model/contact.ts';
import { readVCards } from '../native/readers/vcard-reader.ts';

/** What `gammu getallmemory` printed, for tests that compare gammu's reading with Lifeboat's. */
export interface GammuEntry {
  memory: string;
  location: number;
  numbers: string[];
  name?: string;
  firstName?: string;
  lastName?: string;
  email?: string;
}

/** `gammu getallmemory` output: "Memory SM, Location 1" then `Key : "value"` lines. */
export function parseGammuMemory(text: string): GammuEntry[] {
  const entries: GammuEntry[] = [];
  let current: GammuEntry | undefined;
  for (const line of text.split('\n')) {
    const head = /^Memory (\w\w), Location (\d+)/.exec(line);
    if (head) {
      current = { memory: head[1]!, location: Number(head[2]), numbers: [] };
      entries.push(current);
      continue;
    }
    const field = /^(.+?)\s*:\s*"(.*)"\s*$/.exec(line);
    if (!current || !field) continue;
    const [, key, value] = field as unknown as [string, string, string];
    // gammu 1.42 leaves some emptied Samsung slots in its list as "" (its shift loop skips one):
    // an empty value is no number.
    if (value === '') continue;
    if (/number/i.test(key)) current.numbers.push(value);
    else if (key === 'Name') current.name = value;
    else if (key === 'First name') current.firstName = value;
    else if (key === 'Last name') current.lastName = value;
    else if (key === 'Email' || key === 'Email address') current.email = value;
  }
  return entries;
}

/**
 * Every entry gammu read is a contact of Lifeboat's export (contacts.vcf): found by the memory and
 * slot the export notes, with the same numbers, name and e-mail. An entry folded into a richer
 * IrMC vCard (phones that offer OBEX) has more numbers, never fewer; pb.vcf may write a number
 * with spaces ("+45 33 12 34 56"), the same number.
 */
export function expectEveryGammuEntryIn(vcf: Uint8Array, read: readonly GammuEntry[]): void {
  const cards = readVCards(vcf, { sourceKeyPrefix: 'export' });
  const slotOf = (card: Contact) => card.notes.map((n) => /\((\w\w)\), entry (\d+)\./.exec(n)).find(Boolean);
  for (const entry of read) {
    const card = cards.find((c) => {
      const slot = slotOf(c);
      return slot && slot[1] === entry.memory && Number(slot[2]) === entry.location;
    });
    expect(card, `${entry.memory} ${entry.location} in the export`).toBeDefined();
    expect(card!.phones.map((p) => p.value.replace(/\s/g, ''))).toEqual(expect.arrayContaining(entry.numbers));
    if (!card!.notes.some((n) => n.startsWith('Also in the '))) expect(card!.phones).toHaveLength(entry.numbers.length);
    if (entry.name !== undefined) expect(card!.displayName).toBe(entry.name);
    if (entry.firstName !== undefined) expect(card!.name?.given).toBe(entry.firstName);
    if (entry.lastName !== undefined) expect(card!.name?.family).toBe(entry.lastName);
    if (entry.email !== undefined) expect(card!.emails.map((e) => e.value)).toContain(entry.email);
  }
}
