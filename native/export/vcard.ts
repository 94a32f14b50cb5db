/**
 * vCard export: 3.0 (RFC 2426, what Apple, Google and Thunderbird write and read best) or 4.0
 * (RFC 6350). One complete card per call, CRLF, folded at 75 octets, UTF-8 without BOM (the
 * caller encodes; nothing here adds one).
 *
 * Every field of the model is written somewhere: standard properties where they exist, the
 * Apple/Google conventions (item groups with X-ABLabel, X-ABRELATEDNAMES, X-ABDATE,
 * X-APPLE-OMIT-YEAR) where 3.0 has none, and X-LIFEBOAT-* for what only we know (accounts,
 * starred), which other programs ignore.
 */
import type { Contact, ContactDate, ContactName, Organization } from '../model/contact.ts';
import { contentLine, listValue, sanitizeText, structuredValue, textValue, type EscapeOptions, type Param } from './content-line.ts';
import { IM_PROTOCOLS, dateLabel, mapKind, normalizeKind, type KindMapping } from './vcard-labels.ts';
import { daysInMonth } from './wall-clock.ts';

export interface VCardOptions {
  version: '3.0' | '4.0';
  uid: string;
  /** ISO instant of the data's last change (we use the rescue time); written as REV. */
  rev?: string;
}

export function formatVCard(contact: Contact, opts: VCardOptions): string {
  const card = new CardWriter(opts.version);
  card.add('BEGIN', 'VCARD');
  card.add('VERSION', opts.version);

  const fn = fullName(contact);
  card.add('FN', card.text(fn.text));
  const n = nameComponents(contact);
  if (n || card.v3) card.add('N', structuredValue(n ?? ['', '', '', '', '']));
  writePhoneticName(card, contact.name);
  const nicknames = contact.nicknames.filter(nonBlank);
  if (nicknames.length > 0) card.add('NICKNAME', listValue(nicknames, card.escape));
  // Apple shows a card with no personal name under its company only when told so.
  if (fn.source === 'organization') card.add('X-ABShowAs', 'COMPANY');

  writeOrganizations(card, contact.organizations);
  writePhones(card, contact);
  writeEmails(card, contact);
  writeAddresses(card, contact);
  writeWebsites(card, contact);
  writeMessengers(card, contact);
  writeRelations(card, contact);
  writeDates(card, contact.dates);
  for (const note of contact.notes) if (nonBlank(note)) card.add('NOTE', card.text(note));
  const groups = contact.groups.filter(nonBlank);
  if (groups.length > 0) card.add('CATEGORIES', listValue(groups, card.escape));
  if (contact.starred) card.add('X-LIFEBOAT-STARRED', '1');
  for (const a of contact.accounts) {
    if (nonBlank(a.name) || nonBlank(a.type)) card.add('X-LIFEBOAT-ACCOUNT', card.text(a.name), nonBlank(a.type) ? [['X-ACCOUNT-TYPE', a.type]] : []);
  }
  writeUid(card, opts.uid);
  if (opts.rev !== undefined) card.add('REV', formatRev(opts.rev, card.v3));
  writePhoto(card, contact);
  card.add('END', 'VCARD');
  return card.result();
}

class CardWriter {
  private out = '';
  private groups = 0;
  readonly v3: boolean;
  constructor(readonly version: '3.0' | '4.0') {
    this.v3 = version === '3.0';
  }
  add(name: string, value: string, params: readonly Param[] = []): void {
    this.out += contentLine(name, value, params);
  }
  /** A fresh item group name (`item1.`), for properties that need a label beside them. */
  newGroup(): string {
    return `item${++this.groups}.`;
  }
  /**
   * A property with its TYPEs and, if the kind needs one, an X-ABLabel in a shared group.
   * `extra` lines (e.g. LABEL beside ADR) join the same group.
   */
  addTyped(name: string, value: string, mapping: KindMapping, opts: { pref?: boolean; fixedTypes?: string[]; params?: Param[]; extra?: [string, string, Param[]][] } = {}): void {
    const types = [...(opts.fixedTypes ?? []), ...(this.v3 ? mapping.v3 : mapping.v4)];
    const params: Param[] = [];
    if (opts.pref && this.v3) types.push('PREF');
    if (types.length > 0) params.push(['TYPE', [...new Set(types)]]);
    if (opts.pref && !this.v3) params.push(['PREF', '1']);
    params.push(...(opts.params ?? []));
    const group = mapping.label !== undefined || (opts.extra?.length ?? 0) > 0 ? this.newGroup() : '';
    this.add(group + name, value, params);
    for (const [xname, xvalue, xparams] of opts.extra ?? []) this.add(group + xname, xvalue, xparams);
    if (mapping.label !== undefined) this.add(`${group}X-ABLabel`, this.text(mapping.label));
  }
  /** A TEXT value escaped for this version (4.0 leaves `;` alone outside compound values). */
  text(s: string): string {
    return textValue(s, this.escape);
  }
  get escape(): EscapeOptions {
    return { semicolon: this.v3 };
  }
  result(): string {
    return this.out;
  }
}

// --- Names ------------------------------------------------------------------------------------

type FnSource = 'display' | 'name' | 'nickname' | 'organization' | 'email' | 'phone' | 'none';

/**
 * FN may never be empty (vobject and iOS reject such cards, and Android writes them for
 * e-mail-only contacts): display name, else the structured name, nickname, company, first
 * e-mail, first phone, else "Unknown".
 */
export function fullName(c: Contact): { text: string; source: FnSource } {
  const candidates: [FnSource, string | undefined][] = [
    ['display', c.displayName],
    ['name', joinName(c.name)],
    ['nickname', c.nicknames.find(nonBlank)],
    ['organization', c.organizations.map((o) => o.company ?? o.department).find(nonBlank)],
    ['email', c.emails.map((e) => e.value).find(nonBlank)],
    ['phone', c.phones.map((p) => p.value).find(nonBlank)],
  ];
  for (const [source, text] of candidates) {
    const clean = text === undefined ? '' : sanitizeText(text).replace(/\s+/g, ' ').trim();
    if (clean !== '') return { text: clean, source };
  }
  return { text: 'Unknown', source: 'none' };
}

function joinName(n: ContactName | undefined): string | undefined {
  if (!n) return undefined;
  return [n.prefix, n.given, n.middle, n.family, n.suffix].filter(nonBlank).join(' ');
}

/**
 * N's five components. With no structured name, the display name goes in the family slot, as
 * Android's own exporter does, so readers that build the name from N still show it.
 */
function nameComponents(c: Contact): string[] | undefined {
  const n = c.name;
  if (n && [n.family, n.given, n.middle, n.prefix, n.suffix].some(nonBlank)) {
    return [n.family ?? '', n.given ?? '', n.middle ?? '', n.prefix ?? '', n.suffix ?? ''];
  }
  if (nonBlank(c.displayName)) return [sanitizeText(c.displayName).trim(), '', '', '', ''];
  return undefined;
}

function writePhoneticName(card: CardWriter, n: ContactName | undefined): void {
  // Apple, Google and Android all use these for the reading of a name (e.g. Japanese furigana).
  if (nonBlank(n?.phoneticGiven)) card.add('X-PHONETIC-FIRST-NAME', card.text(n.phoneticGiven));
  if (nonBlank(n?.phoneticMiddle)) card.add('X-PHONETIC-MIDDLE-NAME', card.text(n.phoneticMiddle));
  if (nonBlank(n?.phoneticFamily)) card.add('X-PHONETIC-LAST-NAME', card.text(n.phoneticFamily));
}

// --- Work -------------------------------------------------------------------------------------

function writeOrganizations(card: CardWriter, orgs: Organization[]): void {
  const present = orgs.filter((o) => [o.company, o.department, o.title, o.jobDescription, o.officeLocation].some(nonBlank));
  present.forEach((o, i) => {
    // Readers take the first ORG/TITLE as "the" job; further ones are grouped so each title
    // stays with its company.
    const group = i === 0 ? '' : card.newGroup();
    if (nonBlank(o.company) || nonBlank(o.department)) {
      card.add(`${group}ORG`, structuredValue(nonBlank(o.department) ? [o.company, o.department] : [o.company]));
    }
    if (nonBlank(o.title)) card.add(`${group}TITLE`, card.text(o.title));
    if (nonBlank(o.jobDescription)) card.add(`${group}ROLE`, card.text(o.jobDescription));
    if (nonBlank(o.officeLocation)) card.add(`${group}X-LIFEBOAT-OFFICE`, card.text(o.officeLocation));
  });
}

// --- Phones, e-mail, addresses, web -----------------------------------------------------------

function writePhones(card: CardWriter, c: Contact): void {
  for (const p of c.phones) {
    if (!nonBlank(p.value)) continue;
    card.addTyped('TEL', card.text(p.value.trim()), mapKind('phone', p.type, p.label), { pref: p.primary === true });
  }
}

function writeEmails(card: CardWriter, c: Contact): void {
  for (const e of c.emails) {
    if (!nonBlank(e.value)) continue;
    card.addTyped('EMAIL', card.text(e.value.trim()), mapKind('email', e.type, e.label), {
      pref: e.primary === true,
      fixedTypes: card.v3 ? ['INTERNET'] : [],
    });
  }
}

function writeAddresses(card: CardWriter, c: Contact): void {
  for (const a of c.addresses) {
    const structured = [a.poBox, a.neighborhood, a.street, a.city, a.region, a.postcode, a.country];
    const hasStructured = structured.some(nonBlank);
    if (!hasStructured && !nonBlank(a.formatted)) continue;
    // ADR has seven components: PO box; extended (Android puts the neighbourhood there, as we
    // do); street; locality; region; postal code; country. An address known only as one text
    // goes in the street slot, which every reader shows.
    const components = hasStructured ? structured : ['', '', a.formatted, '', '', '', ''];
    const mapping = mapKind('address', a.type, a.label);
    const formatted = nonBlank(a.formatted) ? a.formatted : undefined;
    if (card.v3) {
      const typeList = mapping.v3.length > 0 ? [['TYPE', mapping.v3] as Param] : [];
      card.addTyped('ADR', structuredValue(components), mapping, {
        extra: formatted ? [['LABEL', card.text(formatted), typeList]] : [],
      });
    } else {
      card.addTyped('ADR', structuredValue(components), mapping, {
        params: formatted ? [['LABEL', formatted, { caret: true }]] : [],
      });
    }
  }
}

function writeWebsites(card: CardWriter, c: Contact): void {
  for (const w of c.websites) {
    if (!nonBlank(w.value)) continue;
    card.addTyped('URL', uriText(w.value), mapKind('website', w.type, w.label), { pref: w.primary === true });
  }
}

// --- Messengers, SIP, relations ----------------------------------------------------------------

function writeMessengers(card: CardWriter, c: Contact): void {
  for (const im of c.ims) {
    if (!nonBlank(im.handle)) continue;
    const protocolKey = normalizeKind(im.protocol);
    const known = IM_PROTOCOLS[protocolKey];
    const mapping = mapKind('im', im.type, im.label);
    if (card.v3 && known) {
      // The X-<protocol> properties are what 3.0 readers (Android, Evolution, KDE, Apple) know.
      card.addTyped(known.legacyProperty, card.text(im.handle.trim()), mapping);
      continue;
    }
    const service = known?.service ?? im.protocol.trim();
    const scheme = known?.scheme ?? `x-${protocolKey.replace(/[^a-z0-9+.-]/g, '') || 'im'}`;
    card.addTyped('IMPP', `${scheme}:${uriText(im.handle)}`, mapping, {
      params: nonBlank(service) ? [['X-SERVICE-TYPE', service]] : [],
    });
  }
  for (const sip of c.sipAddresses) {
    if (!nonBlank(sip)) continue;
    // Android's own vCard reader turns IMPP:sip: back into a SIP address.
    card.add('IMPP', `sip:${uriText(sip.trim().replace(/^sip:/i, ''))}`);
  }
}

function writeRelations(card: CardWriter, c: Contact): void {
  for (const r of c.relations) {
    if (!nonBlank(r.value)) continue;
    const mapping = mapKind('relation', r.type, r.label);
    if (card.v3) card.addTyped('X-ABRELATEDNAMES', card.text(r.value.trim()), mapping);
    else card.addTyped('RELATED', card.text(r.value.trim()), mapping, { params: [['VALUE', 'text']] });
  }
}

// --- Dates ------------------------------------------------------------------------------------

/** 1604 is Apple's (and Google's) stand-in year for "no year": a leap year, so 29 Feb survives. */
const NO_YEAR = 1604;

function writeDates(card: CardWriter, dates: ContactDate[]): void {
  let haveBirthday = false;
  let haveAnniversary = false;
  for (const d of dates) {
    const kind = normalizeKind(d.type);
    const valid = isValidContactDate(d);
    if (!valid && !nonBlank(d.raw)) continue;
    if (kind === 'birthday' && !haveBirthday && (valid || !card.v3)) {
      haveBirthday = true;
      if (!valid) card.add('BDAY', card.text(d.raw), [['VALUE', 'text']]);
      else if (!card.v3) card.add('BDAY', v4Date(d));
      else if (hasYear(d)) card.add('BDAY', isoDate(d.year!, d), [['VALUE', 'date']]);
      else card.add('BDAY', isoDate(NO_YEAR, d), [['X-APPLE-OMIT-YEAR', String(NO_YEAR)]]);
      continue;
    }
    if (kind === 'anniversary' && !haveAnniversary && (valid || !card.v3)) {
      haveAnniversary = true;
      if (!valid) card.add('ANNIVERSARY', card.text(d.raw), [['VALUE', 'text']]);
      else if (!card.v3) card.add('ANNIVERSARY', v4Date(d));
      else card.add('X-ANNIVERSARY', ...appleDate(d));
      continue;
    }
    const label = dateLabel(d.type, d.label);
    const group = label !== undefined ? card.newGroup() : '';
    if (valid) card.add(`${group}X-ABDATE`, ...appleDate(d));
    else card.add(`${group}X-LIFEBOAT-UNPARSED-DATE`, card.text(d.raw));
    if (label !== undefined) card.add(`${group}X-ABLabel`, card.text(label));
  }
}

function hasYear(d: ContactDate): boolean {
  return d.year !== undefined && Number.isInteger(d.year) && d.year >= 1 && d.year <= 9999;
}

function isValidContactDate(d: ContactDate): boolean {
  const year = hasYear(d) ? d.year! : NO_YEAR;
  return Number.isInteger(d.month) && Number.isInteger(d.day) && d.month >= 1 && d.month <= 12 && d.day >= 1 && d.day <= daysInMonth(year, d.month);
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

function isoDate(year: number, d: ContactDate): string {
  return `${pad(year, 4)}-${pad(d.month)}-${pad(d.day)}`;
}

/** RFC 6350 date: 19800322, or --0322 without a year. */
function v4Date(d: ContactDate): string {
  return hasYear(d) ? `${pad(d.year!, 4)}${pad(d.month)}${pad(d.day)}` : `--${pad(d.month)}${pad(d.day)}`;
}

/** The 3.0 form Apple uses for dates: ISO with dashes, 1604 + X-APPLE-OMIT-YEAR when unknown. */
function appleDate(d: ContactDate): [string, Param[]] {
  return hasYear(d) ? [isoDate(d.year!, d), []] : [isoDate(NO_YEAR, d), [['X-APPLE-OMIT-YEAR', String(NO_YEAR)]]];
}

// --- Identity, photo ---------------------------------------------------------------------------

function writeUid(card: CardWriter, uid: string): void {
  const clean = sanitizeText(uid).replace(/\s+/g, '');
  // 4.0's UID is a URI unless marked as text; ours usually is one (urn:uuid:…).
  if (card.v3) card.add('UID', card.text(clean));
  else if (/^[a-z][a-z0-9+.-]*:\S+$/i.test(clean)) card.add('UID', uriText(clean));
  else card.add('UID', card.text(clean), [['VALUE', 'text']]);
}

function formatRev(iso: string, v3: boolean): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`formatVCard: rev is not an ISO instant: ${JSON.stringify(iso)}`);
  const s = new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  // 3.0 examples use the extended form (2024-01-01T12:00:00Z); 4.0 requires the basic one.
  return v3 ? s : s.replace(/[-:]/g, '');
}

function writePhoto(card: CardWriter, c: Contact): void {
  if (!c.photo) return;
  const base64 = c.photo.base64.replace(/\s+/g, '');
  if (base64 === '' || base64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) return;
  const mediaType = /^image\/[a-z0-9.+-]+$/i.test(c.photo.mediaType.trim()) ? c.photo.mediaType.trim().toLowerCase() : 'image/jpeg';
  if (card.v3) {
    const subtype = mediaType.slice('image/'.length).toUpperCase();
    card.add('PHOTO', base64, [
      ['ENCODING', 'b'],
      ['TYPE', subtype],
    ]);
  } else {
    card.add('PHOTO', `data:${mediaType};base64,${base64}`);
  }
}

// --- Helpers ----------------------------------------------------------------------------------

/**
 * A URI-typed value (URL, IMPP, 4.0 UID): not TEXT, so no backslash escapes (readers would keep
 * them); instead what cannot stand in a URI (spaces, quotes, controls, `\`) is percent-encoded.
 * Letters beyond ASCII are kept, as IRIs, since every reader of a UTF-8 card handles them.
 */
function uriText(s: string): string {
  return sanitizeText(s)
    .trim()
    .replace(/[\u0000-\u0020"<>\\^`{|}\u007f\n]/g, (ch) => encodeURIComponent(ch));
}

/** Whether a value has something to show once control characters are gone. */
function nonBlank(s: string | undefined): s is string {
  return s !== undefined && sanitizeText(s).trim() !== '';
}
