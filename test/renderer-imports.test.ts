import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

/** Every import/export-from statement of a file: its specifier and whether it is type-only. */
function importsOf(file: string): { spec: string; typeOnly: boolean; text: string }[] {
  const source = fs.readFileSync(file, 'utf8');
  const found: { spec: string; typeOnly: boolean; text: string }[] = [];
  const statement = /^\s*(import|export)\s+(type\s+)?([^;'"]*?\bfrom\s+)?['"]([^'"]+)['"]/gm;
  for (const m of source.matchAll(statement)) {
    const typeOnly = m[2] !== undefined;
    found.push({ spec: m[4]!, typeOnly, text: m[0].trim() });
  }
  for (const m of source.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]/g)) found.push({ spec: m[1]!, typeOnly: false, text: m[0] });
  return found;
}

function filesUnder(dir: string, pattern: RegExp): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && pattern.test(d.name))
    .map((d) => path.join(d.parentPath, d.name));
}

const ENGINE_PACKAGES = /^(node:|better-sqlite3|sharp|ws$|usb$|@yume-chan\/|exifr|electron$|fs$|path$|child_process$)/;

describe('import rules of the desktop app', () => {
  const rendererFiles = filesUnder('renderer/src', /\.tsx?$/);

  it('finds the renderer sources (the check below is not vacuous)', () => {
    expect(rendererFiles.length).toBeGreaterThan(8);
    expect(rendererFiles.flatMap(importsOf).filter((i) => i.spec.includes('/native/')).length).toBeGreaterThan(5);
  });

  it('the renderer imports only types from native/, and no engine or Node package', () => {
    const offences: string[] = [];
    for (const file of rendererFiles) {
      for (const imp of importsOf(file)) {
        const resolved = imp.spec.startsWith('.') ? path.relative('.', path.resolve(path.dirname(file), imp.spec)) : imp.spec;
        if (resolved.startsWith(`native${path.sep}`) && !imp.typeOnly) offences.push(`${file}: ${imp.text} (runtime import of native/)`);
        if (ENGINE_PACKAGES.test(imp.spec)) offences.push(`${file}: ${imp.text} (engine/Node package in the window)`);
      }
    }
    expect(offences).toEqual([]);
  });

  it('the preload loads nothing but electron at run time', () => {
    const runtime = importsOf('electron/preload.ts').filter((i) => !i.typeOnly).map((i) => i.spec);
    expect(runtime).toEqual(['electron']);
  });

  it('nothing under native/ imports electron', () => {
    const offences = filesUnder('native', /\.ts$/).filter((f) => importsOf(f).some((i) => i.spec === 'electron' && !i.typeOnly));
    expect(offences).toEqual([]);
  });

  it('the check itself catches a runtime import', () => {
    const probe = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-imports-')), 'probe.ts');
    fs.writeFileSync(probe, "import { Engine } from '../../native/api/engine.ts';\nimport type { DeviceInfo } from '../../native/api/api.ts';\n");
    try {
      const imps = importsOf(probe);
      expect(imps).toEqual([
        expect.objectContaining({ spec: '../../native/api/engine.ts', typeOnly: false }),
        expect.objectContaining({ spec: '../../native/api/api.ts', typeOnly: true }),
      ]);
    } finally {
      fs.rmSync(probe);
    }
  });
});
