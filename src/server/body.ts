/**
 * Request bodies, read before anything else looks at them: the Content-Type's
 * charset must be UTF-8 (415 otherwise), the bytes must be valid UTF-8 (a
 * fatal decoder: nothing is silently replaced with U+FFFD), and JSON may nest
 * at most MAX_JSON_DEPTH arrays and objects — checked on the text, before
 * JSON.parse builds anything, so a megabyte of `[` costs one linear scan.
 *
 * `__proto__` is an ordinary key: JSON.parse makes it an own property like
 * any other, and the handlers read keys with `Object.hasOwn` / Map lookups,
 * never by assigning them onto objects (so no prototype can be changed). A
 * lookup body with a `__proto__` field is refused by its schema like any
 * other unknown field; in an event it is a key naming no column, ignored.
 *
 * Strings are checked for lone UTF-16 surrogates (`"\ud800"`) where they
 * become values: `parseJson` (src/store/files/values.ts) refuses them for
 * every column type, so the refusal names the key or the row and column.
 */
import { parseJsonKeepingNumbers } from '../store/files/jsonl.js';
import { utf8Problem } from '../store/files/utf8.js';
import { ApiError } from './errors.js';

/** The deepest nesting of arrays and objects a JSON body may have (a lookup needs 3, an ingest batch 2). */
export const MAX_JSON_DEPTH = 64;

/** The longest part of a user's input that an error message quotes. */
const SHOWN = 60;

/** User input as messages quote it: JSON-quoted, cut to a short prefix. */
export function clip(text: string, max = SHOWN): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}

const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** `charset=…` of a Content-Type, lower-cased (undefined when there is none). */
function charsetOf(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const m = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(contentType);
  return m ? (m[1] ?? m[2] ?? '').toLowerCase() : undefined;
}

/** Refuses a charset other than UTF-8 (JSON is UTF-8: RFC 8259 §8.1). */
export function checkCharset(contentType: string | undefined): void {
  const charset = charsetOf(contentType);
  if (charset === undefined || charset === 'utf-8' || charset === 'utf8') return;
  throw new ApiError('unsupported_media_type', `charset=${clip(charset, 40)} is not read: send the body as UTF-8 (charset=utf-8, or no charset)`);
}

/** The body as text (a byte-order mark dropped), or a 400 `bad_encoding` naming the first bad byte (and its NDJSON line). */
export function decodeBody(bytes: Buffer, lineNumbers = false): string {
  const bad = utf8Problem(bytes);
  if (bad === undefined) return fatal.decode(bytes);
  const value = bad.value === undefined ? '' : ` (0x${bad.value.toString(16).padStart(2, '0')})`;
  throw new ApiError('bad_encoding', `the body is not valid UTF-8: byte ${bad.byte}${value}${lineNumbers ? `, line ${bad.line}` : ''} — send text as UTF-8`, {
    byte: bad.byte,
    ...(lineNumbers ? { line: bad.line } : {}),
  });
}

/**
 * The offset of the first `[` or `{` nested deeper than `max` in JSON text,
 * or -1 (brackets inside strings do not count; the text need not be valid
 * JSON: JSON.parse judges that afterwards).
 */
export function tooDeep(text: string, max = MAX_JSON_DEPTH): number {
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // Skip the string: to the next quote not escaped (an odd run of backslashes before it). indexOf is native: strings are most of a body.
      let end = text.indexOf('"', i + 1);
      while (end > 0) {
        let slashes = 0;
        while (text.charCodeAt(end - 1 - slashes) === 92) slashes++;
        if (slashes % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      if (end < 0) return -1;
      i = end;
    } else if (c === 91 || c === 123) {
      if (++depth > max) return i;
    } else if (c === 93 || c === 125) depth--;
  }
  return -1;
}

/** JSON.parse, after the depth check; a 400 `malformed_json` when it is not JSON. */
export function parseJsonText(text: string, where = 'the body'): unknown {
  if (text.trim() === '') throw new ApiError('malformed_json', `${where} is empty: send a JSON value`);
  const deep = tooDeep(text);
  if (deep >= 0) throw new ApiError('malformed_json', `${where} nests arrays and objects more than ${MAX_JSON_DEPTH} deep (at character ${deep + 1})`);
  try {
    // A number JavaScript cannot hold as written stays its literal text (values.ts JsonNumber), so a refusal quotes what was sent.
    return parseJsonKeepingNumbers(text);
  } catch (e) {
    const message = (e as Error).message;
    throw new ApiError('malformed_json', `${where} is not valid JSON: ${message.length > 200 ? `${message.slice(0, 200)}…` : message}`);
  }
}

/** A JSON request body (`application/json`). */
export function readJsonBody(bytes: Buffer, contentType: string | undefined): unknown {
  checkCharset(contentType);
  return parseJsonText(decodeBody(bytes));
}
