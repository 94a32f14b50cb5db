import type { Contact } from '../../model/contact.ts';

/**
 * One person once, nothing lost: the phonebook a feature phone gives over AT (+CPBR: one name,
 * one number per slot, SIM and phone memory apart) beside the one it gives over IrMC
 * (telecom/pb.vcf: vCards with several numbers, e-mail, notes).
 *
 * The rule. An AT entry is folded into a vCard when the vCard holds everything the entry holds:
 *  - every number of the entry (compared without spaces, dashes, dots, slashes and brackets:
 *    "+45 33 12 34 56" is "+4533123456"; "0301234567" and "+49301234567" stay different, as no
 *    country can be assumed), and the entry has at least one number;
 *  - its name, when it has one: the vCard's display name, "given family", "family given" or
 *    "family, given" is the same (case and spacing aside) or begins with it (a SIM keeps only
 *    the first 14 to 18 characters of a name);
 *  - its given and family names (vendor phonebooks), e-mail addresses, groups, dates and notes.
 * The first vCard (in pb.vcf's order) that covers an entry takes it: the vCard goes out with a
 * note "Also in the SIM card phonebook (SM), entry 2." and the memory among its accounts; the
 * entry does not go out on its own. Every other entry goes out as it came, so a number or a name
 * the vCards lack is never lost, at the price of a second contact for the same person.
 * Entries of the AT memories are never folded into each other (see at-contact.ts).
 */
export function mergeAtWithVCards(fromAt: readonly Contact[], vcards: readonly Contact[]): Contact[] {
  const cards = vcards.map((c) => structuredClone(c));
  const kept: Contact[] = [];
  for (const entry of fromAt) {
    const card = cards.find((c) => covers(c, entry));
    if (!card) {
      kept.push(entry);
      continue;
    }
    const where = locationNote(entry);
    if (where) card.notes.push(where.replace(/^From the /, 'Also in the '));
    for (const account of entry.accounts) {
      if (!card.accounts.some((a) => a.type === account.type && a.name === account.name)) card.accounts.push({ ...account });
    }
  }
  return [...kept, ...cards];
}

/** Whether `card` holds every number, name, address, date, group and note of the AT entry. */
export function covers(card: Contact, entry: Contact): boolean {
  if (entry.phones.length === 0) return false;
  const numbers = new Set(card.phones.map((p) => digitsOf(p.value)));
  if (!entry.phones.every((p) => numbers.has(digitsOf(p.value)))) return false;
  const name = fold(entry.displayName ?? '');
  if (name !== '' && !nameForms(card).some((form) => form === name || form.startsWith(name))) return false;
  if (entry.name?.given && fold(entry.name.given) !== fold(card.name?.given ?? '')) return false;
  if (entry.name?.family && fold(entry.name.family) !== fold(card.name?.family ?? '')) return false;
  const emails = new Set(card.emails.map((e) => e.value.trim().toLowerCase()));
  if (!entry.emails.every((e) => emails.has(e.value.trim().toLowerCase()))) return false;
  if (!entry.groups.every((g) => card.groups.includes(g))) return false;
  if (!entry.dates.every((d) => card.dates.some((c) => c.year === d.year && c.month === d.month && c.day === d.day))) return false;
  const where = locationNote(entry);
  const notes = entry.notes.filter((n) => n !== where);
  return notes.every((n) => card.notes.some((c) => c.includes(n)));
}

/** The note entryToContact adds last: "From the SIM card phonebook (SM), entry 2." */
function locationNote(entry: Contact): string | undefined {
  const last = entry.notes.at(-1);
  return last !== undefined && /^From the .*\(\w+\), entry \d+\.$/.test(last) ? last : undefined;
}

function digitsOf(number: string): string {
  return number.replace(/[\s\-./()]/g, '');
}

function fold(text: string): string {
  return text.normalize('NFC').toLowerCase().replace(/\s+/g, ' ').trim();
}

function nameForms(card: Contact): string[] {
  const given = card.name?.given ?? '';
  const family = card.name?.family ?? '';
  const forms = [card.displayName ?? '', `${given} ${family}`, `${family} ${given}`, `${family}, ${given}`];
  if (card.name?.prefix) forms.push(`${card.name.prefix} ${given} ${family}`);
  return forms.map(fold).filter((f) => f !== '' && f !== ',');
}
