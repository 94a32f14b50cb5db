import { emptyContact, type Contact } from '../../model/contact.ts';
import type { PhonebookEntry } from '../../protocols/at/at-phonebook.ts';
import { memoryName } from './at-memories.ts';

/**
 * One phonebook entry as one contact. Feature phones keep no link between a SIM entry and a
 * phone-memory entry of the same person, so none is made up here; the memory and slot go along
 * as an account and a note, so an export says where each entry lived.
 */
export function entryToContact(entry: PhonebookEntry, memory: string): Contact {
  const contact = emptyContact(`${memory}:${entry.index}`);
  contact.accounts.push({ type: 'phonebook-memory', name: memory });
  if (entry.name.trim() !== '') contact.displayName = entry.name;
  if (entry.firstName || entry.lastName) {
    contact.name = {};
    if (entry.firstName) contact.name.given = entry.firstName;
    if (entry.lastName) contact.name.family = entry.lastName;
  }
  entry.numbers.forEach((n, i) => {
    contact.phones.push({ value: n.number, type: phoneKind(n.kind), ...(i === 0 ? { primary: true } : {}) });
  });
  for (const email of entry.emails) contact.emails.push({ value: email, type: 'other' });
  if (entry.group) contact.groups.push(entry.group);
  if (entry.birthday) {
    const { year, month, day } = entry.birthday;
    contact.dates.push({ type: 'birthday', year, month, day, raw: `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}` });
  }
  contact.notes.push(...entry.notes);
  contact.notes.push(`From the ${memoryName(memory)} (${memory}), entry ${entry.index}.`);
  return contact;
}

function phoneKind(kind: string): string {
  switch (kind) {
    case 'mobile':
    case 'home':
    case 'work':
    case 'fax':
    case 'pager':
      return kind;
    default:
      return 'other';
  }
}
