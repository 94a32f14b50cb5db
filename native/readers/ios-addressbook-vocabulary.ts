/**
 * The words of iOS's AddressBook.sqlitedb (the AddressBook framework's kABPerson* properties
 * as the database keeps them), shared by the reader and the fixture writer so that the two
 * cannot drift apart.
 */

/** ABMultiValue.property: which kind of value a row is. */
export const PROPERTY = {
  phone: 3,
  email: 4,
  address: 5,
  date: 12,
  instantMessage: 13,
  url: 22,
  relatedName: 23,
} as const;

/** ABMultiValueLabel values: Apple's own labels are wrapped as _$!<Name>!$_; anything else is the user's text. */
export function appleLabel(name: string): string {
  return `_$!<${name}>!$_`;
}

/** Apple label name → the model's neutral kind, per property. Keys are the names inside _$!<…>!$_. */
export const PHONE_LABELS: Record<string, string> = {
  Mobile: 'mobile', Home: 'home', Work: 'work', Main: 'main', HomeFAX: 'fax-home', WorkFAX: 'fax-work',
  OtherFAX: 'fax-other', Pager: 'pager', Other: 'other',
};
/** iOS writes "iPhone" (and "Apple Watch") as plain text, not wrapped: they are still Apple's words. */
export const PHONE_PLAIN_LABELS: Record<string, string> = { iPhone: 'iphone' };
export const EMAIL_LABELS: Record<string, string> = { Home: 'home', Work: 'work', Other: 'other' };
export const ADDRESS_LABELS: Record<string, string> = { Home: 'home', Work: 'work', Other: 'other' };
export const URL_LABELS: Record<string, string> = { HomePage: 'homepage', Home: 'home', Work: 'work', Other: 'other' };
export const DATE_LABELS: Record<string, string> = { Anniversary: 'anniversary', Other: 'other' };
export const RELATION_LABELS: Record<string, string> = {
  Mother: 'mother', Father: 'father', Parent: 'parent', Brother: 'brother', Sister: 'sister', Child: 'child',
  Friend: 'friend', Spouse: 'spouse', Partner: 'partner', Assistant: 'assistant', Manager: 'manager',
};
export const IM_LABELS: Record<string, string> = { Home: 'home', Work: 'work', Other: 'other' };

/** ABMultiValueEntryKey values of a postal address, and the model field each fills. */
export const ADDRESS_KEYS = {
  Street: 'street',
  SubLocality: 'neighborhood',
  City: 'city',
  State: 'region',
  ZIP: 'postcode',
  Country: 'country',
} as const;

/** Instant-messaging service names iOS stores (ABMultiValueEntryKey "service") → the model's protocol. */
export const IM_SERVICES: Record<string, string> = {
  AIM: 'aim', Jabber: 'jabber', MSN: 'msn', Yahoo: 'yahoo', ICQ: 'icq', QQ: 'qq', Skype: 'skype',
  GoogleTalk: 'google-talk', Facebook: 'facebook', GaduGadu: 'gadu-gadu',
};

/** A birthday saved without a year is stored in the year 1604 (Apple's "no year" marker, also X-APPLE-OMIT-YEAR). */
export const NO_YEAR = 1604;

/** The inverse of a label table: kind → Apple label name. */
export function labelNameOf(table: Record<string, string>, kind: string): string | undefined {
  return Object.keys(table).find((name) => table[name] === kind);
}
