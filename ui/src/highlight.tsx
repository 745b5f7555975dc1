/**
 * Definitions highlighted with the project's own TextMate grammar
 * (grammar/fsql.tmLanguage.json, the one the VS Code extension ships), run
 * in the browser by vscode-textmate on the Oniguruma regex engine compiled to
 * WebAssembly (bundled; loaded from the server like every other asset).
 */
import { useEffect, useState } from 'preact/hooks';
import * as oniguruma from 'vscode-oniguruma';
import * as tm from 'vscode-textmate';
import onigUrl from 'vscode-oniguruma/release/onig.wasm?url';
import grammarJson from '../../grammar/fsql.tmLanguage.json';

export interface Token {
  readonly text: string;
  /** A CSS class for the token's most specific scope (`tm-keyword`, `tm-string`, …), or '' for plain text. */
  readonly cls: string;
}

let grammar: Promise<tm.IGrammar | null> | undefined;

function loadGrammar(): Promise<tm.IGrammar | null> {
  grammar ??= (async () => {
    const wasm = await (await fetch(onigUrl)).arrayBuffer();
    await oniguruma.loadWASM(wasm);
    const registry = new tm.Registry({
      onigLib: Promise.resolve({
        createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
        createOnigString: (s: string) => new oniguruma.OnigString(s),
      }),
      loadGrammar: async (scope: string) => (scope === 'source.fsql' ? tm.parseRawGrammar(JSON.stringify(grammarJson), 'fsql.tmLanguage.json') : null),
    });
    return registry.loadGrammar('source.fsql');
  })();
  return grammar;
}

/** Scope prefixes → classes, most specific first. */
const CLASSES: readonly [string, string][] = [
  ['comment', 'tm-comment'],
  ['string', 'tm-string'],
  ['constant.character.escape', 'tm-string'],
  ['constant.numeric', 'tm-number'],
  ['constant.language', 'tm-constant'],
  ['support.constant', 'tm-constant'],
  ['keyword.operator', 'tm-operator'],
  ['keyword.other.create', 'tm-create'],
  ['keyword.other.transform', 'tm-transform'],
  ['keyword', 'tm-keyword'],
  ['storage.type', 'tm-type'],
  ['entity.name.function', 'tm-function'],
  ['entity.name', 'tm-name'],
  ['support.function', 'tm-function'],
  ['variable.language', 'tm-keyword'],
  ['variable', 'tm-variable'],
  ['invalid', 'tm-invalid'],
  ['punctuation', 'tm-punctuation'],
];

function classOf(scopes: readonly string[]): string {
  for (let i = scopes.length - 1; i >= 0; i--) {
    const s = scopes[i]!;
    for (const [prefix, cls] of CLASSES) if (s === prefix || s.startsWith(`${prefix}.`)) return cls;
  }
  return '';
}

export async function tokenize(text: string): Promise<Token[][]> {
  const g = await loadGrammar();
  const lines = text.split('\n');
  if (!g) return lines.map((l) => [{ text: l, cls: '' }]);
  let stack = tm.INITIAL;
  return lines.map((line) => {
    const r = g.tokenizeLine(line, stack);
    stack = r.ruleStack;
    return r.tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), cls: classOf(t.scopes) }));
  });
}

/** A definition, plain at once and highlighted once the grammar is loaded. */
export function Code({ text }: { text: string }) {
  const [lines, setLines] = useState<Token[][] | undefined>(undefined);
  useEffect(() => {
    let live = true;
    setLines(undefined);
    tokenize(text).then(
      (l) => live && setLines(l),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [text]);
  return (
    <pre class="code" data-highlighted={lines ? 'true' : 'false'}>
      {lines
        ? lines.map((l, i) => (
            <span class="line" key={i}>
              {l.map((t, j) => (t.cls ? <span class={t.cls} key={j}>{t.text}</span> : t.text))}
              {'\n'}
            </span>
          ))
        : text}
    </pre>
  );
}
