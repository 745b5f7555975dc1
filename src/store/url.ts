/**
 * Server URLs of fsql.json (`"online": { "url": "redis://…" }`) hold secrets
 * (src/runtime/config.ts takes `${NAME}` from the environment) and never
 * appear in a message: `redactUrl` hides the password (and any query string,
 * which may carry one).
 */

/** The URL with its password (and query string) replaced by `***`; a text that is not a URL shows only its scheme. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    if (u.search !== '') u.search = '?***';
    return u.toString();
  } catch {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
    return scheme ? `${scheme}://***` : '***';
  }
}
