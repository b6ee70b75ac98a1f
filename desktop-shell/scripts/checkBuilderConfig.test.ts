import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkBuilderConfig } from './checkBuilderConfig.js';

const PROJECT = fileURLToPath(new URL('..', import.meta.url));

describe('electron-builder configuration, checked by electron-builder’s own validation (no download)', () => {
  const copies: string[] = [];
  afterAll(() => {
    for (const dir of copies) rmSync(dir, { recursive: true, force: true });
  });

  /** The project's builder inputs in a temporary folder, with the configuration edited. */
  function projectWith(edit: (yaml: string) => string): string {
    const dir = mkdtempSync(join(tmpdir(), 'parley-builder-'));
    copies.push(dir);
    cpSync(join(PROJECT, 'package.json'), join(dir, 'package.json'));
    cpSync(join(PROJECT, 'assets'), join(dir, 'assets'), { recursive: true });
    writeFileSync(join(dir, 'electron-builder.yml'), edit(readFileSync(join(PROJECT, 'electron-builder.yml'), 'utf8')));
    return dir;
  }

  it('accepts the project’s configuration: an NSIS installer "Parley Setup <version>.exe" with app id, publisher and icons', async () => {
    const version = (JSON.parse(readFileSync(join(PROJECT, 'package.json'), 'utf8')) as { version: string }).version;
    expect(await checkBuilderConfig()).toEqual({
      appId: 'org.parley.desktop',
      productName: 'Parley',
      publisher: 'Parley',
      installerName: `Parley Setup ${version}.exe`,
      electronVersion: expect.stringMatching(/^39\./),
    });
  });

  it('fails on what electron-builder’s schema refuses', async () => {
    const misspelt = projectWith((y) => y.replace('  oneClick: false', '  oneclick: false'));
    await expect(checkBuilderConfig(misspelt)).rejects.toThrow(/Invalid configuration object.*configuration\.nsis should be/s);
    const badType = projectWith((y) => y.replace('asar: true', 'asar: "yes please"'));
    await expect(checkBuilderConfig(badType)).rejects.toThrow(/Invalid configuration object.*configuration\.asar/s);
  });

  it('fails on a configuration that is valid but not Parley’s installer', async () => {
    const renamed = projectWith((y) => y.replace('artifactName: ${productName} Setup ${version}.${ext}', 'artifactName: ${productName}-${version}-${arch}.${ext}'));
    await expect(checkBuilderConfig(renamed)).rejects.toThrow(/would be called "Parley-0\.1\.0-x64\.exe"/);
    const noLinks = projectWith((y) => y.replace('      - parley', '      - parley-old'));
    await expect(checkBuilderConfig(noLinks)).rejects.toThrow(/must register the parley scheme/);
    const portable = projectWith((y) => y.replace('    - target: nsis', '    - target: portable'));
    await expect(checkBuilderConfig(portable)).rejects.toThrow(/must include nsis/);
  });
});
