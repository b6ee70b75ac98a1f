/// <reference types="node" />
// Runs under Node (vitest), reading the stylesheet as it ships.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const css = readFileSync(new URL('./styles/base.css', import.meta.url), 'utf8');

// Speaker names are drawn in hsl(<hue> 65% var(--speaker-l)) with a hue from speakerHue(): every
// hue must be readable on every background captions, the participant list and transcripts sit on.

/** The declarations of the first rule whose selector is exactly `selector`. */
function block(selector: string): Record<string, string> {
  const start = css.indexOf(`${selector} {`);
  if (start < 0) throw new Error(`no rule for ${selector} in base.css`);
  const body = css.slice(start + selector.length + 2, css.indexOf('}', start));
  return Object.fromEntries([...body.matchAll(/(--[\w-]+):\s*([^;]+);/g)].map((m) => [m[1], m[2]!.trim()]));
}

function hexRgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function hslRgb(h: number, s: number, l: number): [number, number, number] {
  const c = (1 - Math.abs(2 * l - 1)) * s;
  const x = c * (1 - Math.abs(((h / 60) % 2) - 1));
  const m = l - c / 2;
  const [r, g, b] = h < 60 ? [c, x, 0] : h < 120 ? [x, c, 0] : h < 180 ? [0, c, x] : h < 240 ? [0, x, c] : h < 300 ? [x, 0, c] : [c, 0, x];
  return [(r + m) * 255, (g + m) * 255, (b + m) * 255];
}

/** WCAG 2 relative luminance and contrast ratio. */
function luminance([r, g, b]: [number, number, number]): number {
  const lin = (v: number) => (v / 255 <= 0.04045 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4);
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}
function contrast(a: [number, number, number], b: [number, number, number]): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

const light = block(':root');
const dark = block(":root:not([data-theme='light'])");
const themes = {
  light: light,
  dark: { ...light, ...dark },
  'high contrast': { ...light, ...block(":root[data-contrast='high']") },
  'high contrast dark': { ...light, ...dark, ...block(":root[data-contrast='high']"), ...block(":root[data-contrast='high'][data-theme='dark']") },
};

describe('speaker colours', () => {
  for (const [name, vars] of Object.entries(themes)) {
    it(`every hue meets 4.5:1 on every ${name} background`, () => {
      const l = Number.parseFloat(vars['--speaker-l']!) / 100;
      const worst = { ratio: Infinity, hue: -1, background: '' };
      for (const background of ['--bg', '--bg-accent', '--surface', '--surface-2']) {
        const bg = hexRgb(vars[background]!);
        for (let hue = 0; hue < 360; hue++) {
          const ratio = contrast(hslRgb(hue, 0.65, l), bg);
          if (ratio < worst.ratio) Object.assign(worst, { ratio, hue, background });
        }
      }
      expect(worst.ratio, `hue ${worst.hue} on ${worst.background}`).toBeGreaterThanOrEqual(4.5);
    });
  }
});
