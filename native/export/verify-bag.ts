import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { decodeManifestPath } from './bagit.ts';

/**
 * Checks a bag the way any BagIt validator would: every manifest line against the file's bytes,
 * files in data/ that no manifest names, the tag manifest, and Payload-Oxum. Returns what is
 * damaged or missing; an empty list means the bag is whole.
 */
export async function verifyBag(bagDir: string, onProgress?: (done: number, total: number) => void): Promise<string[]> {
  const root = path.resolve(bagDir);
  const problems: string[] = [];
  const bagit = await readTextOrNull(path.join(root, 'bagit.txt'));
  if (bagit === null || !/^BagIt-Version: /m.test(bagit)) return [`missing: bagit.txt (${bagDir} is not a bag)`];

  const manifest = await readManifest(root, 'manifest-sha256.txt', problems);
  const listed = new Set(manifest.keys());
  let total = 0;
  let count = 0;
  let done = 0;
  for (const [rel, expected] of manifest) {
    const result = await hashInside(root, rel);
    if (result === 'outside') problems.push(`unsafe: manifest names a path outside the bag: ${rel}`);
    else if (result === null) problems.push(`missing: ${rel}`);
    else {
      total += result.size;
      count++;
      if (result.sha256 !== expected) problems.push(`damaged: ${rel} (sha256 ${result.sha256}, manifest says ${expected})`);
    }
    onProgress?.(++done, manifest.size);
  }
  for (const rel of await listFiles(root, 'data')) {
    if (!listed.has(rel)) problems.push(`not in manifest: ${rel}`);
  }

  const tagManifest = await readManifest(root, 'tagmanifest-sha256.txt', problems);
  for (const [rel, expected] of tagManifest) {
    const result = await hashInside(root, rel);
    if (result === null || result === 'outside') problems.push(`missing: ${rel}`);
    else if (result.sha256 !== expected) problems.push(`damaged: ${rel} (tag file changed)`);
  }

  const info = await readTextOrNull(path.join(root, 'bag-info.txt'));
  const oxum = info ? /^Payload-Oxum:\s*(\d+)\.(\d+)\s*$/m.exec(info) : null;
  if (oxum && (Number(oxum[1]) !== total || Number(oxum[2]) !== count) && problems.length === 0) {
    problems.push(`damaged: Payload-Oxum says ${oxum[1]}.${oxum[2]}, found ${total}.${count}`);
  }
  return problems;
}

async function readManifest(root: string, name: string, problems: string[]): Promise<Map<string, string>> {
  const text = await readTextOrNull(path.join(root, name));
  const out = new Map<string, string>();
  if (text === null) {
    problems.push(`missing: ${name}`);
    return out;
  }
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const m = /^([0-9a-fA-F]{64})\s+\*?(.+)$/.exec(line);
    if (!m) {
      problems.push(`damaged: ${name} has a line that is not "<sha256> <path>": ${line.slice(0, 80)}`);
      continue;
    }
    out.set(decodeManifestPath(m[2]!), m[1]!.toLowerCase());
  }
  return out;
}

async function hashInside(root: string, rel: string): Promise<{ sha256: string; size: number } | null | 'outside'> {
  const target = path.resolve(root, ...rel.split('/'));
  if (!target.startsWith(root + path.sep)) return 'outside';
  const hash = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of createReadStream(target, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.byteLength;
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR') return null;
    throw err;
  }
  return { sha256: hash.digest('hex'), size };
}

async function listFiles(root: string, rel: string): Promise<string[]> {
  const out: string[] = [];
  let entries;
  try {
    entries = await fs.readdir(path.join(root, ...rel.split('/')), { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    const child = `${rel}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await listFiles(root, child)));
    else out.push(child);
  }
  return out;
}

async function readTextOrNull(file: string): Promise<string | null> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    return null;
  }
}
