/**
 * How the model's neutral kinds ("mobile", "fax-work", "custom" + label …) become vCard TYPE
 * parameters, and, for kinds vCard has no TYPE for, an Apple-style label.
 *
 * Labels are written the way Apple Contacts and Google Contacts both write and read them: the
 * property in an item group with an `X-ABLabel` beside it (`item1.TEL:…` + `item1.X-ABLabel:…`).
 * Apple's own kinds use its tokens (`_$!<Other>!$_`); a user's text goes in as it is. Readers
 * that know nothing of X-ABLabel still get a valid property with the nearest standard TYPE.
 */

export interface KindMapping {
  /** vCard 3.0 TYPE values (RFC 2426 vocabulary, upper case as Apple and Google write them). */
  v3: string[];
  /** vCard 4.0 TYPE values (RFC 6350 vocabulary). */
  v4: string[];
  /** Text for X-ABLabel, when TYPE alone loses something. */
  label?: string;
}

const OTHER = '_$!<Other>!$_';

/** The model's kinds come from several readers: "fax_work", "Fax Work" and "fax-work" are one. */
export function normalizeKind(type: string): string {
  return type.trim().toLowerCase().replace(/[\s_]+/g, '-');
}

const PHONE: Record<string, KindMapping> = {
  mobile: { v3: ['CELL', 'VOICE'], v4: ['cell', 'voice'] },
  cell: { v3: ['CELL', 'VOICE'], v4: ['cell', 'voice'] },
  home: { v3: ['HOME', 'VOICE'], v4: ['home', 'voice'] },
  work: { v3: ['WORK', 'VOICE'], v4: ['work', 'voice'] },
  'fax-work': { v3: ['WORK', 'FAX'], v4: ['work', 'fax'] },
  'work-fax': { v3: ['WORK', 'FAX'], v4: ['work', 'fax'] },
  'fax-home': { v3: ['HOME', 'FAX'], v4: ['home', 'fax'] },
  'home-fax': { v3: ['HOME', 'FAX'], v4: ['home', 'fax'] },
  'fax-other': { v3: ['FAX'], v4: ['fax'] },
  'other-fax': { v3: ['FAX'], v4: ['fax'] },
  fax: { v3: ['FAX'], v4: ['fax'] },
  pager: { v3: ['PAGER'], v4: ['pager'] },
  'work-pager': { v3: ['WORK', 'PAGER'], v4: ['work', 'pager'] },
  'work-mobile': { v3: ['WORK', 'CELL', 'VOICE'], v4: ['work', 'cell', 'voice'] },
  car: { v3: ['CAR', 'VOICE'], v4: ['voice'], label: 'car' },
  isdn: { v3: ['ISDN'], v4: ['voice'], label: 'ISDN' },
  // Apple writes TYPE=MAIN and TYPE=IPHONE; Google reads them.
  main: { v3: ['MAIN'], v4: ['voice'], label: '_$!<Main>!$_' },
  iphone: { v3: ['IPHONE', 'CELL', 'VOICE'], v4: ['cell', 'voice'], label: 'iPhone' },
  'company-main': { v3: ['WORK', 'VOICE'], v4: ['work', 'voice'], label: 'company main' },
  mms: { v3: ['CELL', 'MSG'], v4: ['cell', 'text'], label: 'MMS' },
  'tty-tdd': { v3: [], v4: ['textphone'], label: 'TTY/TDD' },
  callback: { v3: [], v4: ['voice'], label: 'callback' },
  radio: { v3: [], v4: ['voice'], label: 'radio' },
  telex: { v3: [], v4: [], label: 'telex' },
  assistant: { v3: [], v4: ['voice'], label: 'assistant' },
  other: { v3: ['VOICE'], v4: ['voice'], label: OTHER },
};

const EMAIL: Record<string, KindMapping> = {
  home: { v3: ['HOME'], v4: ['home'] },
  work: { v3: ['WORK'], v4: ['work'] },
  other: { v3: [], v4: [], label: OTHER },
  mobile: { v3: [], v4: [], label: 'mobile' },
};

const ADDRESS: Record<string, KindMapping> = {
  home: { v3: ['HOME'], v4: ['home'] },
  work: { v3: ['WORK'], v4: ['work'] },
  other: { v3: [], v4: [], label: OTHER },
};

const WEBSITE: Record<string, KindMapping> = {
  homepage: { v3: [], v4: [], label: '_$!<HomePage>!$_' },
  home: { v3: ['HOME'], v4: ['home'] },
  work: { v3: ['WORK'], v4: ['work'] },
  blog: { v3: [], v4: [], label: 'blog' },
  profile: { v3: [], v4: [], label: 'profile' },
  ftp: { v3: [], v4: [], label: 'FTP' },
  other: { v3: [], v4: [], label: OTHER },
};

const IM: Record<string, KindMapping> = {
  home: { v3: ['HOME'], v4: ['home'] },
  work: { v3: ['WORK'], v4: ['work'] },
  other: { v3: [], v4: [], label: OTHER },
};

/** Relations: Apple's tokens for the label, RFC 6350 RELATED types where one fits. */
const RELATION: Record<string, KindMapping> = {
  father: { v3: [], v4: ['parent'], label: '_$!<Father>!$_' },
  mother: { v3: [], v4: ['parent'], label: '_$!<Mother>!$_' },
  parent: { v3: [], v4: ['parent'], label: '_$!<Parent>!$_' },
  brother: { v3: [], v4: ['sibling'], label: '_$!<Brother>!$_' },
  sister: { v3: [], v4: ['sibling'], label: '_$!<Sister>!$_' },
  child: { v3: [], v4: ['child'], label: '_$!<Child>!$_' },
  friend: { v3: [], v4: ['friend'], label: '_$!<Friend>!$_' },
  spouse: { v3: [], v4: ['spouse'], label: '_$!<Spouse>!$_' },
  partner: { v3: [], v4: ['sweetheart'], label: '_$!<Partner>!$_' },
  'domestic-partner': { v3: [], v4: ['sweetheart'], label: '_$!<Partner>!$_' },
  assistant: { v3: [], v4: ['agent'], label: '_$!<Assistant>!$_' },
  manager: { v3: [], v4: ['co-worker'], label: '_$!<Manager>!$_' },
  relative: { v3: [], v4: ['kin'], label: 'relative' },
  'referred-by': { v3: [], v4: [], label: 'referred by' },
  other: { v3: [], v4: [], label: OTHER },
};

/** Labels for the contact dates that are not written as BDAY / ANNIVERSARY. */
const DATE_LABEL: Record<string, string> = {
  anniversary: '_$!<Anniversary>!$_',
  birthday: 'birthday',
  other: OTHER,
};

export type ValueKind = 'phone' | 'email' | 'address' | 'website' | 'im' | 'relation';

const TABLES: Record<ValueKind, Record<string, KindMapping>> = {
  phone: PHONE,
  email: EMAIL,
  address: ADDRESS,
  website: WEBSITE,
  im: IM,
  relation: RELATION,
};

/**
 * The TYPEs and label for a value. "custom" uses the user's label; a kind we do not know keeps
 * its own word as the label, so nothing the phone showed is lost.
 */
export function mapKind(kind: ValueKind, type: string, label?: string): KindMapping {
  const t = normalizeKind(type);
  const userLabel = label?.trim() ? label.trim() : undefined;
  if (t === 'custom' || t === '') return userLabel ? { v3: [], v4: [], label: userLabel } : { v3: [], v4: [] };
  const known = TABLES[kind][t];
  if (known) return known;
  return { v3: [], v4: [], label: userLabel ?? type.trim() };
}

export function dateLabel(type: string, label?: string): string | undefined {
  const t = normalizeKind(type);
  if (t === 'custom') return label?.trim() ? label.trim() : undefined;
  return DATE_LABEL[t] ?? (type.trim() || undefined);
}

/**
 * Per protocol: Apple's X-SERVICE-TYPE name, the URI scheme for IMPP, and the X- property that
 * vCard 3.0 writers (Android, Evolution, KDE) used before IMPP existed.
 */
export const IM_PROTOCOLS: Record<string, { service: string; scheme: string; legacyProperty: string }> = {
  aim: { service: 'AIM', scheme: 'aim', legacyProperty: 'X-AIM' },
  msn: { service: 'MSN', scheme: 'msnim', legacyProperty: 'X-MSN' },
  yahoo: { service: 'Yahoo', scheme: 'ymsgr', legacyProperty: 'X-YAHOO' },
  skype: { service: 'Skype', scheme: 'skype', legacyProperty: 'X-SKYPE' },
  qq: { service: 'QQ', scheme: 'qq', legacyProperty: 'X-QQ' },
  'google-talk': { service: 'GoogleTalk', scheme: 'xmpp', legacyProperty: 'X-GOOGLE-TALK' },
  icq: { service: 'ICQ', scheme: 'icq', legacyProperty: 'X-ICQ' },
  jabber: { service: 'Jabber', scheme: 'xmpp', legacyProperty: 'X-JABBER' },
  netmeeting: { service: 'NetMeeting', scheme: 'callto', legacyProperty: 'X-NETMEETING' },
};
