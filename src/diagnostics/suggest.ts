/**
 * "Did you mean …?" — the closest candidate by Damerau–Levenshtein distance
 * (optimal string alignment), compared case-insensitively, if it is close
 * enough to be a plausible typo.
 *
 * The names compared come from users (an HTTP request, a `.fsql` file), so
 * the work is bounded whatever they are: a candidate whose length differs
 * from the name's by more than the distance allowed cannot be near and is not
 * compared; the distance is computed only inside the band of that width
 * around the diagonal, and stops once every cell of a row is past it; a name
 * longer than MAX_SUGGEST_LENGTH gets no suggestion (nobody mistypes a name
 * of that length by a few letters); and one call computes at most
 * MAX_SUGGEST_CELLS cells in all.
 */

/** Names longer than this (in UTF-16 code units) are not compared. */
export const MAX_SUGGEST_LENGTH = 256;
/** The most distance-matrix cells one `closest` call computes (a few ms). */
export const MAX_SUGGEST_CELLS = 4_000_000;

let cellsComputed = 0;

/** Distance-matrix cells computed since the process started: lets tests count the work, not time it. */
export function suggestionCells(): number {
  return cellsComputed;
}

/**
 * The edit distance of `a` and `b` (transpositions of neighbours count one),
 * or `max + 1` when it is more than `max`: only the cells within `max` of
 * the diagonal are computed, and the computation stops at a row whose cells
 * are all beyond `max`.
 */
export function editDistance(a: string, b: string, max = Math.max(a.length, b.length)): number {
  const n = a.length;
  const m = b.length;
  if (Math.abs(n - m) > max) return max + 1;
  if (n === 0) return m;
  if (m === 0) return n;
  const far = max + 1;
  // Three rolling rows (for transpositions); cells outside the band hold `far`.
  let prev2 = new Array<number>(m + 1).fill(far);
  let prev = new Array<number>(m + 1).fill(far);
  let cur = new Array<number>(m + 1).fill(far);
  for (let j = 0; j <= Math.min(m, max); j++) prev[j] = j;
  for (let i = 1; i <= n; i++) {
    const from = Math.max(1, i - max);
    const to = Math.min(m, i + max);
    cur[from - 1] = from === 1 ? (i <= max ? i : far) : far;
    let rowMin = cur[from - 1]!;
    for (let j = from; j <= to; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a.charCodeAt(i - 1) === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === b.charCodeAt(j - 1)) {
        v = Math.min(v, prev2[j - 2]! + 1);
      }
      v = Math.min(v, far);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (to < m) cur[to + 1] = far;
    cellsComputed += to - from + 1;
    if (rowMin > max) return far;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[m]!;
}

/** The candidate nearest to `name`, or undefined when none is a plausible typo of it. */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  const needle = name.toLowerCase();
  const limit = Math.max(1, Math.floor(needle.length / 3));
  const compare = needle.length <= MAX_SUGGEST_LENGTH;
  const budgetEnd = cellsComputed + MAX_SUGGEST_CELLS;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (!compare && candidate.length !== name.length) continue;
    const lower = candidate.toLowerCase();
    if (lower === needle) return candidate;
    if (!compare) continue;
    let d = cellsComputed < budgetEnd ? editDistance(needle, lower, limit) : limit + 1;
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
