/**
 * Android's ContactsContract vocabulary, shared by the reader and the fixture writer so that the
 * two can never disagree. Codes are the `TYPE_*` constants of `ContactsContract.CommonDataKinds`;
 * words are the neutral lower-case ones of our model.
 */

export const MIMETYPE = {
  name: 'vnd.android.cursor.item/name',
  phone: 'vnd.android.cursor.item/phone_v2',
  email: 'vnd.android.cursor.item/email_v2',
  postal: 'vnd.android.cursor.item/postal-address_v2',
  organization: 'vnd.android.cursor.item/organization',
  photo: 'vnd.android.cursor.item/photo',
  event: 'vnd.android.cursor.item/contact_event',
  note: 'vnd.android.cursor.item/note',
  nickname: 'vnd.android.cursor.item/nickname',
  website: 'vnd.android.cursor.item/website',
  im: 'vnd.android.cursor.item/im',
  relation: 'vnd.android.cursor.item/relation',
  sip: 'vnd.android.cursor.item/sip_address',
  group: 'vnd.android.cursor.item/group_membership',
  identity: 'vnd.android.cursor.item/identity',
} as const;

/** Code 0 is always TYPE_CUSTOM: the user's own label is in data3. */
export const CUSTOM_TYPE = 0;

export const PHONE_TYPES: Readonly<Record<number, string>> = {
  0: 'custom', 1: 'home', 2: 'mobile', 3: 'work', 4: 'fax-work', 5: 'fax-home', 6: 'pager',
  7: 'other', 8: 'callback', 9: 'car', 10: 'company-main', 11: 'isdn', 12: 'main',
  13: 'other-fax', 14: 'radio', 15: 'telex', 16: 'tty-tdd', 17: 'work-mobile', 18: 'work-pager',
  19: 'assistant', 20: 'mms',
};

export const EMAIL_TYPES: Readonly<Record<number, string>> = { 0: 'custom', 1: 'home', 2: 'work', 3: 'other', 4: 'mobile' };

export const POSTAL_TYPES: Readonly<Record<number, string>> = { 0: 'custom', 1: 'home', 2: 'work', 3: 'other' };

export const EVENT_TYPES: Readonly<Record<number, string>> = { 0: 'custom', 1: 'anniversary', 2: 'other', 3: 'birthday' };

export const RELATION_TYPES: Readonly<Record<number, string>> = {
  0: 'custom', 1: 'assistant', 2: 'brother', 3: 'child', 4: 'domestic-partner', 5: 'father',
  6: 'friend', 7: 'manager', 8: 'mother', 9: 'parent', 10: 'partner', 11: 'referred-by',
  12: 'relative', 13: 'sister', 14: 'spouse',
};

export const WEBSITE_TYPES: Readonly<Record<number, string>> = {
  0: 'custom', 1: 'homepage', 2: 'blog', 3: 'profile', 4: 'home', 5: 'work', 6: 'ftp', 7: 'other',
};

/** Im.TYPE (the kind of address, not the network). */
export const IM_TYPES: Readonly<Record<number, string>> = { 0: 'custom', 1: 'home', 2: 'work', 3: 'other' };

/** Im.PROTOCOL (data5); -1 is PROTOCOL_CUSTOM with the name in data6. */
export const IM_PROTOCOLS: Readonly<Record<number, string>> = {
  0: 'aim', 1: 'msn', 2: 'yahoo', 3: 'skype', 4: 'qq', 5: 'google-talk', 6: 'icq', 7: 'jabber', 8: 'netmeeting',
};
export const IM_PROTOCOL_CUSTOM = -1;

/** The code for a word, for writers; undefined when Android has no such type. */
export function codeOf(types: Readonly<Record<number, string>>, word: string): number | undefined {
  for (const [code, name] of Object.entries(types)) if (name === word) return Number(code);
  return undefined;
}
