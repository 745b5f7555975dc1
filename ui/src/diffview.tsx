/** A line diff of two definitions (the `diff` package). */
import { diffLines } from 'diff';

export function DiffView({ before, after }: { before: string; after: string }) {
  const parts = diffLines(before.endsWith('\n') ? before : `${before}\n`, after.endsWith('\n') ? after : `${after}\n`);
  const added = parts.filter((p) => p.added).reduce((n, p) => n + (p.count ?? 0), 0);
  const removed = parts.filter((p) => p.removed).reduce((n, p) => n + (p.count ?? 0), 0);
  return (
    <div class="diff" data-added={added} data-removed={removed}>
      <div class="diff-summary">
        <span class="add">+{added}</span> <span class="del">−{removed}</span> {added + removed === 0 ? 'the same text' : `line${added + removed === 1 ? '' : 's'} changed`}
      </div>
      <pre class="code">
        {parts.flatMap((p, i) =>
          p.value
            .replace(/\n$/, '')
            .split('\n')
            .map((line, j) => (
              <span key={`${i}.${j}`} class={p.added ? 'diff-add' : p.removed ? 'diff-del' : 'diff-same'}>
                <span class="diff-sign">{p.added ? '+' : p.removed ? '−' : ' '}</span>
                {line}
                {'\n'}
              </span>
            )),
        )}
      </pre>
    </div>
  );
}
