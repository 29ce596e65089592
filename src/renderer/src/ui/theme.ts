import { useEffect, useSyncExternalStore } from 'react';
import { usePref } from './prefs';

export type Scheme = 'light' | 'dark';

const query = (): MediaQueryList => window.matchMedia('(prefers-color-scheme: light)');

function subscribeSystem(listener: () => void): () => void {
  const media = query();
  media.addEventListener('change', listener);
  return () => media.removeEventListener('change', listener);
}

/** The system's colour scheme, following it as it changes. */
function useSystemScheme(): Scheme {
  return useSyncExternalStore(subscribeSystem, () => (query().matches ? 'light' : 'dark'));
}

/**
 * The scheme in use (the user's choice, or the system's) applied to the page
 * as `data-theme` on <html>, which the stylesheets and the terminal follow.
 */
export function useScheme(): Scheme {
  const [choice] = usePref('theme');
  const system = useSystemScheme();
  const scheme = choice === 'system' ? system : choice;
  useEffect(() => {
    document.documentElement.dataset.theme = scheme;
  }, [scheme]);
  return scheme;
}
