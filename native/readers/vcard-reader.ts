/**
 * vCard 2.1 (with quoted-printable and charsets), 3.0 (RFC 2426) and 4.0 (RFC 6350) into the
 * model's contacts, as address books and phones write them (Android, iPhone, Outlook, Nokia,
 * Gmail ...). Every phone number, e-mail address and name is kept, whatever its type; properties
 * Lifeboat has no field for are left out.
 */
import { emptyContact, type Contact, type ContactDate, type TypedValue } from '../model/contact.ts';
import { isPreferred, parseContentLines, splitStructured, typesOf, unescapeText, type ContentLine } from './vcard-lines.ts';

export interface VCardReadOptions {
  /** Contacts without a UID are known as PREFIX#N (their place in the file). */
  readonly sourceKeyPrefix: string;
}

export function readVCards(bytes: Uint8Array, options: VCardReadOptions): Contact[] {
  const lines = parseContentLines(bytes);
  const contacts: Contact[] = [];
  let card: ContentLine[] | undefined;
  let depth = 0;
  for (const line of lines) {
    if (line.name === 'BEGIN' && line.value.trim().toUpperCase() === 'VCARD') {
      depth++;
      if (depth === 1) card = [];
      continue;
    }
    if (line.name === 'END' && line.value.trim().toUpperCase() === 'VCARD') {
      depth = Math.max(0, depth - 1);
      if (depth === 0 && card) {
        contacts.push(toContact(card, `${options.sourceKeyPrefix}#${contacts.length + 1}`));
        card = undefined;
      }
      continue;
    }
    card?.push(line);
  }
  return contacts;
}

const IM_PROPERTIES: Record<string, string> = {
  'X-AIM': 'aim',
  'X-MSN': 'msn',
  'X-YAHOO': 'yahoo',
  'X-SKYPE': 'skype',
  'X-SKYPE-USERNAME': 'skype',
  'X-QQ': 'qq',
  'X-GOOGLE-TALK': 'google-talk',
  'X-GTALK': 'google-talk',
  'X-ICQ': 'icq',
  'X-JABBER': 'jabber',
  'X-GADUGADU': 'gadugadu',
};

function toContact(lines: ContentLine[], fallbackKey: string): Contact {
  const uid = lines.find((l) => l.name === 'UID')?.value.trim();
  // IrMC phonebooks (telecom/pb.vcf) carry no UID but a per-entry LUID that stays put across reads.
  const luid = lines.find((l) => l.name === 'X-IRMC-LUID')?.value.trim();
  const contact = emptyContact(uid ? `uid:${uid}` : luid ? `irmc-luid:${luid}` : fallbackKey);
  // Apple and Google label a property through its item group: item1.TEL + item1.X-ABLabel.
  const labels = new Map<string, string>();
  for (const l of lines) if (l.name === 'X-ABLABEL' && l.group) labels.set(l.group.toLowerCase(), unescapeText(l.value).replace(/^_\$!<(.*)>!\$_$/, '$1'));
  const labelOf = (l: ContentLine) => (l.group ? labels.get(l.group.toLowerCase()) : undefined);

  for (const line of lines) {
    const value = line.value;
    switch (line.name) {
      case 'FN': {
        const fn = unescapeText(value).trim();
        if (fn && contact.displayName === undefined) contact.displayName = fn;
        break;
      }
      case 'N': {
        const [family, given, middle, prefix, suffix] = splitStructured(value).map((s) => s.trim());
        const name = { family, given, middle, prefix, suffix };
        const kept = Object.fromEntries(Object.entries(name).filter(([, v]) => v)) as Contact['name'];
        if (kept && Object.keys(kept).length > 0) contact.name = { ...contact.name, ...kept };
        break;
      }
      case 'X-PHONETIC-FIRST-NAME':
        contact.name = { ...contact.name, phoneticGiven: unescapeText(value) };
        break;
      case 'X-PHONETIC-LAST-NAME':
        contact.name = { ...contact.name, phoneticFamily: unescapeText(value) };
        break;
      case 'NICKNAME':
        contact.nicknames.push(...splitStructured(value, ',').map((s) => s.trim()).filter(Boolean));
        break;
      case 'TEL': {
        const number = unescapeText(value.replace(/^tel:/i, '')).trim();
        if (number) contact.phones.push(typed(number, phoneType(typesOf(line)), labelOf(line), isPreferred(line)));
        break;
      }
      case 'EMAIL': {
        const address = unescapeText(value.replace(/^mailto:/i, '')).trim();
        if (address) contact.emails.push(typed(address, emailType(typesOf(line)), labelOf(line), isPreferred(line)));
        break;
      }
      case 'ADR': {
        const [poBox, extended, street, city, region, postcode, country] = splitStructured(value).map((s) => s.trim());
        const streetLines = [street, extended].filter(Boolean).join('\n');
        const address = { poBox, street: streetLines, city, region, postcode, country };
        const kept = Object.fromEntries(Object.entries(address).filter(([, v]) => v));
        if (Object.keys(kept).length === 0) break;
        const types = typesOf(line);
        const label = labelOf(line);
        contact.addresses.push({ ...kept, type: label ? 'custom' : types.has('work') ? 'work' : types.has('home') ? 'home' : 'other', ...(label ? { label } : {}) });
        break;
      }
      case 'ORG': {
        const [company, ...units] = splitStructured(value).map((s) => s.trim());
        const department = units.filter(Boolean).join(', ');
        if (!company && !department) break;
        // TITLE may have come first and opened an organisation without a company.
        let org = contact.organizations.find((o) => o.company === undefined && o.department === undefined);
        if (!org) contact.organizations.push((org = {}));
        if (company) org.company = company;
        if (department) org.department = department;
        break;
      }
      case 'TITLE':
      case 'ROLE': {
        const text = unescapeText(value).trim();
        if (!text) break;
        let org = contact.organizations[0];
        if (!org) contact.organizations.push((org = {}));
        if (line.name === 'TITLE' && org.title === undefined) org.title = text;
        else if (org.jobDescription === undefined) org.jobDescription = text;
        break;
      }
      case 'URL': {
        const url = unescapeText(value).trim();
        if (url) contact.websites.push(typed(url, websiteType(typesOf(line)), labelOf(line)));
        break;
      }
      case 'NOTE': {
        const note = unescapeText(value);
        if (note.trim()) contact.notes.push(note);
        break;
      }
      case 'BDAY':
      case 'ANNIVERSARY':
      case 'X-ANNIVERSARY':
      case 'X-ABDATE': {
        const date = parseDate(unescapeText(value).trim(), line.name === 'BDAY' ? 'birthday' : line.name === 'X-ABDATE' ? 'other' : 'anniversary');
        if (date) {
          const label = labelOf(line);
          if (line.name === 'X-ABDATE' && label) {
            date.type = /anniversary/i.test(label) ? 'anniversary' : 'custom';
            if (date.type === 'custom') date.label = label;
          }
          contact.dates.push(date);
        }
        break;
      }
      case 'IMPP': {
        const handle = unescapeText(value).trim();
        if (!handle) break;
        const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(handle)?.[1]?.toLowerCase();
        if (scheme === 'sip') {
          contact.sipAddresses.push(handle.slice(4));
          break;
        }
        const protocol = (line.params.get('X-SERVICE-TYPE')?.[0] ?? scheme ?? 'other').toLowerCase();
        contact.ims.push({ handle: scheme ? handle.slice(scheme.length + 1) : handle, protocol: protocol === 'xmpp' ? 'jabber' : protocol, type: imType(typesOf(line)) });
        break;
      }
      case 'X-SIP':
        if (value.trim()) contact.sipAddresses.push(unescapeText(value).trim().replace(/^sip:/i, ''));
        break;
      case 'CATEGORIES':
        contact.groups.push(...splitStructured(value, ',').map((s) => s.trim()).filter(Boolean));
        break;
      case 'RELATED':
      case 'X-ABRELATEDNAMES': {
        const related = unescapeText(value).trim();
        if (related) contact.relations.push(typed(related, [...typesOf(line)][0] ?? 'other', labelOf(line)));
        break;
      }
      case 'PHOTO': {
        const photo = photoOf(line);
        if (photo && !contact.photo) contact.photo = photo;
        break;
      }
      default: {
        const protocol = IM_PROPERTIES[line.name];
        const handle = unescapeText(value).trim();
        if (protocol && handle) contact.ims.push({ handle, protocol, type: imType(typesOf(line)) });
      }
    }
  }
  if (contact.displayName === undefined && contact.name) {
    const n = contact.name;
    const composed = [n.prefix, n.given, n.middle, n.family, n.suffix].filter(Boolean).join(' ');
    if (composed) contact.displayName = composed;
  }
  contact.organizations = contact.organizations.filter((o) => Object.keys(o).length > 0);
  return contact;
}

function typed(value: string, type: string, label?: string, primary = false): TypedValue {
  const v: TypedValue = label ? { value, type: 'custom', label } : { value, type };
  if (primary) v.primary = true;
  return v;
}

function phoneType(types: Set<string>): string {
  const fax = types.has('fax');
  if (fax) return types.has('work') ? 'fax-work' : types.has('home') ? 'fax-home' : 'fax';
  if (types.has('pager')) return types.has('work') ? 'work-pager' : 'pager';
  if (types.has('cell') || types.has('mobile') || types.has('iphone')) return types.has('work') ? 'work-mobile' : 'mobile';
  if (types.has('main')) return 'main';
  if (types.has('car')) return 'car';
  if (types.has('isdn')) return 'isdn';
  if (types.has('textphone') || types.has('tty')) return 'tty-tdd';
  if (types.has('msg') || types.has('text')) return 'mms';
  if (types.has('work')) return 'work';
  if (types.has('home')) return 'home';
  return 'other';
}

function emailType(types: Set<string>): string {
  if (types.has('work')) return 'work';
  if (types.has('home')) return 'home';
  if (types.has('cell') || types.has('mobile')) return 'mobile';
  return 'other';
}

function websiteType(types: Set<string>): string {
  if (types.has('work')) return 'work';
  if (types.has('home')) return 'home';
  return 'other';
}

function imType(types: Set<string>): string {
  if (types.has('work')) return 'work';
  if (types.has('home')) return 'home';
  return 'other';
}

/** "1990-07-14", "19900714", "--0714", "--07-14", "1990-07-14T00:00:00Z". */
function parseDate(text: string, type: string): ContactDate | undefined {
  const m = /^(\d{4}|--)-?(\d{2})-?(\d{2})/.exec(text);
  if (!m) return text ? { type, month: 0, day: 0, raw: text } : undefined;
  const month = Number(m[2]);
  const day = Number(m[3]);
  const date: ContactDate = { type, month, day, raw: text };
  if (m[1] !== '--') date.year = Number(m[1]);
  return date;
}

function photoOf(line: ContentLine): Contact['photo'] | undefined {
  const value = line.value.trim();
  if (line.base64) {
    const types = typesOf(line);
    const kind = [...types].find((t) => ['jpeg', 'jpg', 'png', 'gif', 'image/jpeg', 'image/png', 'image/gif'].includes(t)) ?? 'jpeg';
    const mediaType = kind.startsWith('image/') ? kind : `image/${kind === 'jpg' ? 'jpeg' : kind}`;
    return value ? { mediaType, base64: value } : undefined;
  }
  const data = /^data:([^;,]+)?(;base64)?,(.*)$/is.exec(value);
  if (data && data[2]) return { mediaType: data[1] ?? 'image/jpeg', base64: data[3]!.replace(/\s+/g, '') };
  return undefined; // a URL to somewhere else is not fetched (nothing goes to the network)
}
