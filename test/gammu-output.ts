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
