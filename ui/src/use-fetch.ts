import { useEffect, useState } from 'preact/hooks';
import { getJson, HttpError } from './api';

export interface Fetched<T> {
  readonly data?: T;
  readonly error?: string;
  readonly status?: number;
  readonly loading: boolean;
}

/** GET a JSON document; refetched when the URL changes (undefined: nothing). */
export function useFetch<T>(url: string | undefined): Fetched<T> {
  const [state, setState] = useState<Fetched<T>>({ loading: url !== undefined });
  useEffect(() => {
    if (url === undefined) return;
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    getJson<T>(url).then(
      (data) => live && setState({ data, loading: false }),
      (e: unknown) => live && setState({ error: e instanceof Error ? e.message : String(e), ...(e instanceof HttpError ? { status: e.status } : {}), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [url]);
  return state;
}
