import { useCallback, useSyncExternalStore } from 'react';
import { z } from 'zod';

/**
 * The window's own preferences (how it looks, not what a run records): theme,
 * pane sizes, folds, scrollback. Kept in localStorage, one key per preference,
 * each read through its schema so a hand-edited or stale value falls back to
 * the default instead of breaking the layout.
 */
const PREFS = {
  theme: z.enum(['system', 'light', 'dark']).catch('system'),
  /** The terminal pane's width in CSS pixels (the splitter's position); null: 40 % of the window. */
  terminalWidth: z.number().int().min(240).max(4000).nullable().catch(null),
  /** null: folded when the window is narrow, open otherwise. */
  sidebarFolded: z.boolean().nullable().catch(null),
  headerDetails: z.boolean().catch(false),
  scrollback: z
    .union([z.literal(1_000), z.literal(10_000), z.literal(50_000), z.literal(100_000)])
    .catch(10_000),
} as const;

export type PrefName = keyof typeof PREFS;
export type Pref<K extends PrefName> = z.infer<(typeof PREFS)[K]>;

const KEY = (name: PrefName): string => `runsheet.${name}`;
const listeners = new Set<() => void>();

export function readPref<K extends PrefName>(name: K): Pref<K> {
  let raw: unknown = undefined;
  try {
    const text = localStorage.getItem(KEY(name));
    raw = text === null ? undefined : JSON.parse(text);
  } catch {
    // Not JSON (or storage refused): the schema's default.
  }
  return PREFS[name].parse(raw) as Pref<K>;
}

export function writePref<K extends PrefName>(name: K, value: Pref<K>): void {
  try {
    localStorage.setItem(KEY(name), JSON.stringify(value));
  } catch {
    // Storage full or refused: the preference lasts until the window closes.
  }
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  const onStorage = (): void => listener();
  window.addEventListener('storage', onStorage);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('storage', onStorage);
  };
}

/** A preference as React state: [value, set]; every component using it follows a change. */
export function usePref<K extends PrefName>(name: K): [Pref<K>, (value: Pref<K>) => void] {
  // Primitives only, so the snapshot compares equal between reads.
  const value = useSyncExternalStore(subscribe, () => readPref(name));
  const set = useCallback((next: Pref<K>) => writePref(name, next), [name]);
  return [value, set];
}
