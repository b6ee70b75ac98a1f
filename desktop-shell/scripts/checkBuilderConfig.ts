// Checks the installer configuration without building it (Electron's Windows download and NSIS are
// not needed): electron-builder's own Packager loads electron-builder.yml with package.json,
// checks the package metadata and validates the configuration against electron-builder's JSON
// schema, exactly as a real build starts; then the installer's name and what Parley relies on.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppInfo, Arch, Packager, Platform } from 'app-builder-lib';
import { expandMacro } from 'app-builder-lib/out/util/macroExpander.js';

const PROJECT_DIR = fileURLToPath(new URL('..', import.meta.url));

export interface BuilderCheck {
  appId: string;
  productName: string;
  publisher: string;
  installerName: string;
  electronVersion: string;
}

/** Windows wants these in the .ico: the shell, the taskbar, and the installer pick among them. */
const ICO_SIZES = [16, 32, 48, 256];

function icoSizes(file: string): number[] {
  const data = readFileSync(file);
  if (data.readUInt16LE(0) !== 0 || data.readUInt16LE(2) !== 1) throw new Error(`${file} is not a Windows .ico file`);
  const sizes: number[] = [];
  for (let i = 0; i < data.readUInt16LE(4); i++) sizes.push(data[6 + i * 16] || 256); // 0 means 256
  return sizes;
}

export async function checkBuilderConfig(projectDir = PROJECT_DIR): Promise<BuilderCheck> {
  const packager = new Packager({ projectDir, targets: Platform.WINDOWS.createTarget('nsis', Arch.x64) });
  await packager.validateConfig();
  const config = packager.config;
  const appInfo = new AppInfo(packager, null);
  const problems: string[] = [];
  const nsisTarget = [config.win?.target].flat().some((t) => (typeof t === 'string' ? t : t?.target) === 'nsis');
  if (!nsisTarget) problems.push('win.target must include nsis');
  const artifactName = config.nsis?.artifactName;
  if (!artifactName) problems.push('nsis.artifactName is not set');
  const installerName = artifactName ? expandMacro(artifactName, 'x64', appInfo, { ext: 'exe' }) : '';
  if (installerName !== `Parley Setup ${appInfo.version}.exe`) problems.push(`the installer would be called "${installerName}", not "Parley Setup ${appInfo.version}.exe"`);
  if (!config.appId || !/^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+$/.test(config.appId)) problems.push('appId must be a reverse-DNS name');
  if (!appInfo.companyName) problems.push('package.json needs an author: it is the publisher Windows shows');
  const schemes = (config.protocols ? [config.protocols].flat() : []).flatMap((p) => p.schemes);
  if (!schemes.includes('parley')) problems.push('protocols must register the parley scheme');
  for (const key of ['icon'] as const) {
    const icon = config.win?.[key];
    if (typeof icon !== 'string' || !existsSync(join(projectDir, icon))) problems.push(`win.${key} must name an existing file`);
    else for (const size of ICO_SIZES) if (!icoSizes(join(projectDir, icon)).includes(size)) problems.push(`${icon} lacks a ${size}×${size} image`);
  }
  const installed = JSON.parse(readFileSync(fileURLToPath(import.meta.resolve('electron/package.json')), 'utf8')) as { version: string };
  if (config.electronVersion !== installed.version) problems.push(`electronVersion ${config.electronVersion} differs from the installed electron ${installed.version}`);
  if (problems.length) throw new Error(`electron-builder configuration: ${problems.join('; ')}.`);
  return { appId: config.appId!, productName: appInfo.productName, publisher: appInfo.companyName!, installerName, electronVersion: installed.version };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const check = await checkBuilderConfig();
  process.stdout.write(`electron-builder configuration valid: ${check.installerName} (${check.appId}, published by ${check.publisher}, Electron ${check.electronVersion})\n`);
}
