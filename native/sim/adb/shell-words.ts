/**
 * Splits a command line into words the way /system/bin/sh would for the simple commands the
 * simulator runs: single quotes keep everything, double quotes keep everything but \" \\ \$ \`,
 * a backslash outside quotes escapes the next character, blanks separate words. Anything that
 * would need a real shell (pipes, redirections, substitutions, several commands) is reported, not
 * guessed: the simulator never runs a shell or a process.
 */
export type ShellParse = { ok: true; words: string[] } | { ok: false; problem: string };

const NEEDS_A_REAL_SHELL = new Set(['|', '&', ';', '<', '>', '(', ')', '`']);

export function splitShellWords(line: string): ShellParse {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return { ok: false, problem: "unterminated ' string" };
      word += line.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      inWord = true;
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        const d = line[j]!;
        if (d === '\\' && j + 1 < line.length && '"\\$`\n'.includes(line[j + 1]!)) {
          if (line[j + 1] !== '\n') word += line[j + 1];
          j++;
        } else if (d === '$' || d === '`') {
          return { ok: false, problem: `substitution (${d}) is not supported by the simulator` };
        } else {
          word += d;
        }
      }
      if (j >= line.length) return { ok: false, problem: 'unterminated " string' };
      i = j;
    } else if (c === '\\') {
      if (i + 1 < line.length) {
        if (line[i + 1] !== '\n') word += line[i + 1];
        inWord = true;
        i++;
      }
    } else if (c === ' ' || c === '\t' || c === '\n') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else if (NEEDS_A_REAL_SHELL.has(c) || c === '$') {
      return { ok: false, problem: `"${c}" needs a real shell; the simulator runs single simple commands` };
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return { ok: true, words };
}
