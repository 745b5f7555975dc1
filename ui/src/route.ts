/** Hash routes: `#/` (search), `#/object/NAME?version=N`, `#/monitoring`. The server serves one page at `/`. */
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  readonly path: string[];
  readonly params: URLSearchParams;
}

export function currentRoute(): Route {
  const hash = location.hash.replace(/^#/, '') || '/';
  const [p, q] = hash.split('?', 2) as [string, string | undefined];
  return { path: p.split('/').filter((s) => s !== '').map(decodeURIComponent), params: new URLSearchParams(q ?? '') };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const on = () => setRoute(currentRoute());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

export function href(path: string[], params: Record<string, string | number | undefined> = {}): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') p.set(k, String(v));
  const qs = p.toString();
  return `#/${path.map(encodeURIComponent).join('/')}${qs ? `?${qs}` : ''}`;
}

export const objectHref = (name: string, version?: number) => href(['object', name], { version });
