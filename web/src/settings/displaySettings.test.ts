// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { DEFAULT_DISPLAY, applyDisplaySettings, parseDisplaySettings } from './displaySettings';

describe('display settings', () => {
  it('keeps valid stored values and replaces anything else with the default', () => {
    expect(parseDisplaySettings(null)).toEqual(DEFAULT_DISPLAY);
    expect(parseDisplaySettings({ captionSize: 'xxl', theme: 'dark', highContrast: true, motion: 'reduce', readAloud: true })).toEqual({
      captionSize: 'xxl',
      theme: 'dark',
      highContrast: true,
      motion: 'reduce',
      readAloud: true,
    });
    expect(parseDisplaySettings({ captionSize: 'huge', theme: 'neon', highContrast: 'yes', readAloud: 1 })).toEqual(DEFAULT_DISPLAY);
  });

  it('read-aloud is off unless turned on', () => {
    expect(DEFAULT_DISPLAY.readAloud).toBe(false);
  });

  it('puts the settings on the page as data attributes the stylesheet reads', () => {
    const root = document.createElement('html');
    applyDisplaySettings({ captionSize: 'xl', theme: 'light', highContrast: true, motion: 'reduce', readAloud: false }, root);
    expect({ ...root.dataset }).toEqual({ captionSize: 'xl', theme: 'light', contrast: 'high', motion: 'reduce' });
  });
});
