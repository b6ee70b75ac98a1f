// Renders the app icon (web/public/favicon.svg) to the PNGs the web app manifest lists, in Chromium:
// 192 and 512 px, a maskable 512 px one (full-bleed background, the glyph inside the safe circle),
// and Apple's 180 px touch icon. Run after changing the icon: `npx tsx scripts/make-icons.ts`.
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const OUT = `${ROOT}web/public/icons`;
const svg = readFileSync(`${ROOT}web/public/favicon.svg`, 'utf8');
const glyph = svg.replace(/<rect width="64" height="64" rx="14" fill="#4f46e5"\/>/, '');

const icons = [
  { file: 'icon-192.png', size: 192, markup: svg },
  { file: 'icon-512.png', size: 512, markup: svg },
  { file: 'apple-touch-icon.png', size: 180, markup: svg.replace('rx="14"', 'rx="0"') },
  // Maskable: the platform crops to its own shape, so the background fills the square and the glyph shrinks to 70 %.
  {
    file: 'icon-maskable-512.png',
    size: 512,
    markup: `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" fill="#4f46e5"/><g transform="translate(9.6 9.6) scale(0.7)">${glyph.replace(/^<svg[^>]*>|<\/svg>$/g, '')}</g></svg>`,
  },
];

mkdirSync(OUT, { recursive: true });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  for (const icon of icons) {
    const page = await browser.newPage({ viewport: { width: icon.size, height: icon.size } });
    await page.setContent(`<html><body style="margin:0;background:transparent">${icon.markup.replace('<svg ', `<svg width="${icon.size}" height="${icon.size}" `)}</body></html>`);
    await page.screenshot({ path: `${OUT}/${icon.file}`, omitBackground: true });
    await page.close();
    console.log(`${OUT}/${icon.file}`);
  }
} finally {
  await browser.close();
}
