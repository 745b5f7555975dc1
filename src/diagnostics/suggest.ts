/**
 * "Did you mean …?" — the closest candidate by Damerau–Levenshtein distance,
 * compared case-insensitively, if it is close enough to be a plausible typo.
 */

export function editDistance(a: string, b: string): number {
  const n = a.length;
  const m = b.length;
  if (n === 0) return m;
  if (m === 0) return n;
  // Three rolling rows (for transpositions).
  let prev2 = new Array<number>(m + 1).fill(0);
  let prev = new Array<number>(m + 1);
  let cur = new Array<number>(m + 1);
  for (let j = 0; j <= m; j++) prev[j] = j;
  for (let i = 1; i <= n; i++) {
    cur[0] = i;
    for (let j = 1; j <= m; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, prev2[j - 2]! + 1);
      }
      cur[j] = v;
    }
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[m]!;
}

/** The candidate nearest to `name`, or undefined when none is a plausible typo of it. */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  const needle = name.toLowerCase();
  const limit = Math.max(1, Math.floor(needle.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const lower = candidate.toLowerCase();
    if (lower === needle) return candidate;
    let d = editDistance(needle, lower);
    // A prefix/suffix match ("amount" for "amount_usd") is a good suggestion too.
    if (d > limit && (lower.startsWith(needle) || needle.startsWith(lower)) && Math.min(lower.length, needle.length) >= 3) {
      d = limit;
    }
    if (d <= limit && (d < bestDistance || (d === bestDistance && best !== undefined && candidate < best))) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

export function didYouMean(name: string, candidates: Iterable<string>): string | undefined {
  const near = closest(name, candidates);
  return near === undefined ? undefined : `did you mean \`${near}\`?`;
}
