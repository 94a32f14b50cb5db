/** What each phonebook memory of 27.007 §8.11 holds, in words for notes and skip reasons. */
const MEMORY_NAMES: Record<string, string> = {
  SM: 'SIM card phonebook',
  ME: 'phone memory phonebook',
  MT: 'SIM and phone phonebooks together',
  ON: 'own numbers (MSISDN)',
  DC: 'dialled calls',
  LD: 'last dialled calls (SIM)',
  MC: 'missed calls',
  RC: 'received calls',
  FD: 'fixed dialling numbers',
  EN: 'emergency numbers',
  SN: 'service dialling numbers',
  BN: 'barred dialling numbers',
  AP: 'application phonebook',
  TA: 'terminal adapter phonebook',
};

export function memoryName(memory: string): string {
  return MEMORY_NAMES[memory] ?? `phonebook memory ${memory}`;
}

/**
 * The memories to read, in the phone's order. "MT" is SM and ME seen together; reading it beside
 * them would give every entry twice, so it is read only when one of them is missing.
 */
export function memoriesToRead(offered: readonly string[]): { read: string[]; skipped: { memory: string; why: string }[] } {
  const hasBoth = offered.includes('SM') && offered.includes('ME');
  const read: string[] = [];
  const skipped: { memory: string; why: string }[] = [];
  for (const memory of offered) {
    if (memory === 'MT' && hasBoth) skipped.push({ memory, why: 'it shows the SIM card and phone memory together, which are read on their own' });
    else read.push(memory);
  }
  return { read, skipped };
}
