import { useCallback, useEffect, useState } from 'react';

/** How the app looks and behaves for this person on this device. */
export interface DisplaySettings {
  /** Caption text size. */
  captionSize: 'm' | 'l' | 'xl' | 'xxl';
  theme: 'system' | 'light' | 'dark';
  highContrast: boolean;
  /** 'system' follows the operating system's "reduce motion". */
  motion: 'system' | 'reduce';
  /** Read translated finals aloud with the browser's speech synthesis (off by default). */
  readAloud: boolean;
}

export const DEFAULT_DISPLAY: DisplaySettings = { captionSize: 'l', theme: 'system', highContrast: false, motion: 'system', readAloud: false };

export const CAPTION_SIZES: readonly DisplaySettings['captionSize'][] = ['m', 'l', 'xl', 'xxl'];
export const CAPTION_SIZE_LABELS: Record<DisplaySettings['captionSize'], string> = { m: 'Medium', l: 'Large', xl: 'Extra large', xxl: 'Huge' };

const KEY = 'parley.display';

function pick<T extends string>(value: unknown, allowed: readonly T[], fallback: T): T {
  return allowed.includes(value as T) ? (value as T) : fallback;
}

/** What was stored, each value checked; anything unknown falls back to the default. */
export function parseDisplaySettings(raw: unknown): DisplaySettings {
  const stored = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  return {
    captionSize: pick(stored.captionSize, CAPTION_SIZES, DEFAULT_DISPLAY.captionSize),
    theme: pick(stored.theme, ['system', 'light', 'dark'] as const, DEFAULT_DISPLAY.theme),
    highContrast: stored.highContrast === true,
    motion: pick(stored.motion, ['system', 'reduce'] as const, DEFAULT_DISPLAY.motion),
    readAloud: stored.readAloud === true,
  };
}

export function loadDisplaySettings(): DisplaySettings {
  try {
    return parseDisplaySettings(JSON.parse(localStorage.getItem(KEY) ?? 'null'));
  } catch {
    return DEFAULT_DISPLAY;
  }
}

/** Sets the page's data attributes, which the stylesheet reads. */
export function applyDisplaySettings(settings: DisplaySettings, root: HTMLElement = document.documentElement): void {
  root.dataset.captionSize = settings.captionSize;
  root.dataset.theme = settings.theme;
  root.dataset.contrast = settings.highContrast ? 'high' : 'normal';
  root.dataset.motion = settings.motion;
}

const listeners = new Set<(settings: DisplaySettings) => void>();

/** The settings, shared by every component that shows or changes them, and remembered on the device. */
export function useDisplaySettings(): [DisplaySettings, (patch: Partial<DisplaySettings>) => void] {
  const [settings, setSettings] = useState(loadDisplaySettings);
  useEffect(() => {
    listeners.add(setSettings);
    return () => void listeners.delete(setSettings);
  }, []);
  const update = useCallback((patch: Partial<DisplaySettings>) => {
    const next = { ...loadDisplaySettings(), ...patch };
    try {
      localStorage.setItem(KEY, JSON.stringify(next));
    } catch {
      // Private browsing or a full quota: the setting holds for this visit only.
    }
    applyDisplaySettings(next);
    for (const listener of listeners) listener(next);
  }, []);
  return [settings, update];
}

/** Whether motion should be kept to a minimum: the person asked for it here or in their system. */
export function prefersReducedMotion(settings: DisplaySettings): boolean {
  return settings.motion === 'reduce' || (typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches);
}
