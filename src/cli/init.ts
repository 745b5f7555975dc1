/**
 * `fsql init [DIR]`: writes a small, working starter project — an online
 * shop with customers, their orders (a CSV event source), a customer
 * dimension (CSV), page views pushed as a STREAM, six features using FILL,
 * SCALE, ONE_HOT and windows, a churn label and a training set.
 *
 * The data is generated here, deterministically (a seeded PRNG, no clock, no
 * network): every run writes the same bytes, which are also checked in as
 * examples/starter/ (test/cli/init.test.ts compares the two).
 */
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { timestampText } from '../values/time.js';

export interface StarterFile {
  /** Relative to the project folder, with `/`. */
  readonly path: string;
  readonly text: string;
}

// ---------------------------------------------------------------------------
// The definitions

const CONFIG = `{
  "offline": { "engine": "sqlite" },
  "online": { "store": "sqlite" },
  "server": { "host": "127.0.0.1", "port": 8080 }
}
`;

const GITIGNORE = `# fsql's state: the registry, the offline database and the online store.
.fsql/
`;

const ENTITIES = `-- The things features describe. Every feature and label names one of them.
CREATE ENTITY customer KEY (customer_id TEXT)
  DESCRIPTION 'A shop customer';
`;

const SOURCES = `-- Orders, one row per order: an event source (it has an EVENT TIME).
-- The amount is empty when the payment was not captured.
CREATE SOURCE orders (
  order_id    TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  amount      DOUBLE,
  category    TEXT,
  ordered_at  TIMESTAMP NOT NULL
)
  FROM FILE 'data/orders.csv'
  EVENT TIME ordered_at
  DESCRIPTION 'Orders placed in the shop';

-- Customer profiles: no EVENT TIME, so a dimension table (joined on the key, not on time).
CREATE SOURCE customers (
  customer_id TEXT NOT NULL,
  country     TEXT,
  signup_date DATE
)
  FROM FILE 'data/customers.csv'
  DESCRIPTION 'Customer profiles';

-- Page views arrive as a stream: \`fsql ingest\` (or POST /v1/ingest) appends them.
CREATE SOURCE page_views (
  customer_id TEXT NOT NULL,
  page        TEXT,
  viewed_at   TIMESTAMP NOT NULL
)
  FROM STREAM
  EVENT TIME viewed_at
  DESCRIPTION 'Product pages viewed, pushed by the web site';

-- Churn outcomes, observed on the first of each month: did the customer
-- order nothing in the 30 days that followed?
CREATE SOURCE churn_labels (
  customer_id TEXT NOT NULL,
  observed_at TIMESTAMP NOT NULL,
  churned     BOOLEAN
)
  FROM FILE 'data/churn_labels.csv'
  EVENT TIME observed_at;
`;

const FEATURES = `-- Features of a customer. Clauses after AS may come in any order.

CREATE FEATURE orders_30d
  ENTITY customer
  FROM orders
  AS COUNT(*)
  WINDOW 30 DAYS
  DESCRIPTION 'Orders placed in the last 30 days';

CREATE FEATURE spend_30d
  ENTITY customer
  FROM orders
  AS SUM(amount)
  WINDOW 30 DAYS
  FILL ZERO
  SCALE LOG
  DESCRIPTION 'Money spent in the last 30 days, log-scaled (0 when nothing was spent)';

CREATE FEATURE avg_order_90d
  ENTITY customer
  FROM orders
  AS AVG(amount)
  WINDOW 90 DAYS
  FILL MEDIAN
  SCALE STANDARD
  DESCRIPTION 'Average order value over 90 days, standardized';

-- The category of the latest order, unless it is more than 60 days old,
-- one-hot encoded over the 3 most frequent categories.
CREATE FEATURE last_category
  ENTITY customer
  FROM orders
  AS category
  TTL 60 DAYS
  ONE_HOT TOP 3;

CREATE FEATURE country
  ENTITY customer
  FROM customers
  AS country
  ONE_HOT ('US', 'DE', 'FR');

CREATE FEATURE page_views_7d
  ENTITY customer
  FROM page_views
  AS COUNT(*)
  WINDOW 7 DAYS
  DESCRIPTION 'Product pages viewed in the last 7 days';
`;

const TRAINING = `-- One training example per churn observation, with every feature taken as
-- of the observation's time (point in time: nothing from its future).
CREATE LABEL churned
  ENTITY customer
  FROM churn_labels
  AS churned
  DESCRIPTION 'No order in the 30 days after the observation';

CREATE TRAINING SET churn_model VERSION 1
  LABEL churned
  FEATURES (
    orders_30d,
    spend_30d,
    avg_order_90d,
    last_category,
    country,
    page_views_7d
  )
  DESCRIPTION 'Which customers stop ordering';
`;

const README = `# A starter fsql project: an online shop

Written by \`fsql init\`. It models customers of an online shop:

| file | what it holds |
| --- | --- |
| \`entities.fsql\` | the \`customer\` entity |
| \`sources.fsql\` | \`orders\` (CSV events), \`customers\` (a CSV dimension), \`page_views\` (a STREAM), \`churn_labels\` (CSV) |
| \`features.fsql\` | six features: windowed COUNT / SUM / AVG, a latest value with a TTL, FILL, SCALE and ONE_HOT |
| \`training.fsql\` | the \`churned\` label and the \`churn_model\` training set |
| \`fsql.json\` | where fsql keeps its databases, and the server's address |
| \`data/\` | generated data: 40 customers, orders from January to March 2024, and \`page_views.jsonl\`, events to push into the stream |

Try it (from the folder above this one, if it is called \`shop\`):

\`\`\`sh
fsql check shop                                    # type-check the definitions
fsql apply shop                                    # register, load the data, fit the transforms
fsql materialize shop --at '2024-04-01'            # compute every customer's vector into the online store
fsql get customer c001 --project shop              # read one vector back
fsql train churn_model shop --out churn.csv        # a point-in-time training set
fsql ingest page_views shop/data/page_views.jsonl shop
fsql serve shop                                    # then: curl -s localhost:8080/v1/features/customer/c001
\`\`\`

\`.fsql/\` holds fsql's state (registry, offline and online databases): delete
it to start over. The fsql documentation's getting-started guide walks
through this project step by step.
`;

// ---------------------------------------------------------------------------
// The data

/** mulberry32: a small deterministic PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY = 86_400_000;
const START = Date.UTC(2024, 0, 1);
/** Orders run from January 1 to March 31, 2024. */
const DAYS = 91;
const CUSTOMERS = 40;
const CATEGORIES = ['books', 'electronics', 'garden', 'toys', 'kitchen'];
const COUNTRIES = ['US', 'US', 'US', 'DE', 'DE', 'FR', 'GB', 'ES'];
const PAGES = ['home', 'search', 'product', 'cart', 'checkout'];

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
/** Whole seconds, so the text has no fraction. */
const timestamp = (ms: number): string => timestampText(ms * 1000);
const date = (ms: number) => timestamp(ms).slice(0, 10);

function generateData(): StarterFile[] {
  const r = prng(2024);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const ids = Array.from({ length: CUSTOMERS }, (_v, i) => `c${pad(i + 1, 3)}`);

  const customers = ['customer_id,country,signup_date'];
  for (const id of ids) {
    const country = r() < 0.08 ? '' : pick(COUNTRIES);
    customers.push(`${id},${country},${date(START - Math.floor(r() * 700) * DAY)}`);
  }

  // Each customer orders at their own rate, prefers one category, and some stop ordering (churn) at some day.
  const orders: { id: string; customer: string; amount: string; category: string; at: number }[] = [];
  for (const id of ids) {
    const perWeek = 0.3 + r() * 2.5;
    const favourite = pick(CATEGORIES);
    // c001, the customer the getting-started guide looks at, keeps ordering.
    const churns = r() < 0.35;
    const stopsAt = churns && id !== 'c001' ? Math.floor(20 + r() * 60) : DAYS;
    const basket = 15 + r() * 80;
    for (let day = 0; day < stopsAt; day++) {
      if (r() >= perWeek / 7) continue;
      const amount = r() < 0.03 ? '' : (Math.round(basket * (0.4 + r() * 1.4) * 100) / 100).toFixed(2);
      const at = START + day * DAY + Math.floor(r() * 86_400) * 1000;
      orders.push({ id: '', customer: id, amount, category: r() < 0.6 ? favourite : pick(CATEGORIES), at });
    }
  }
  orders.sort((a, b) => a.at - b.at || (a.customer < b.customer ? -1 : 1));
  const orderLines = ['order_id,customer_id,amount,category,ordered_at'];
  orders.forEach((o, i) => orderLines.push(`o${pad(i + 1, 5)},${o.customer},${o.amount},${o.category},${timestamp(o.at)}`));

  // Churn observed on February 1 and March 1: no order in the next 30 days.
  const labels = ['customer_id,observed_at,churned'];
  for (const observed of [Date.UTC(2024, 1, 1), Date.UTC(2024, 2, 1)]) {
    for (const id of ids) {
      const before = orders.some((o) => o.customer === id && o.at <= observed);
      if (!before) continue; // not a customer yet
      const after = orders.some((o) => o.customer === id && o.at > observed && o.at <= observed + 30 * DAY);
      labels.push(`${id},${timestamp(observed)},${after ? 'false' : 'true'}`);
    }
  }

  // Page views to push with `fsql ingest`: the last days of March.
  const views: { customer_id: string; page: string; viewed_at: string }[] = [];
  for (let i = 0; i < 24; i++) {
    const at = Date.UTC(2024, 2, 27) + Math.floor(r() * 5 * 86_400) * 1000;
    views.push({ customer_id: i % 4 === 0 ? 'c001' : pick(ids.slice(1, 10)), page: pick(PAGES), viewed_at: timestamp(at) });
  }
  views.sort((a, b) => (a.viewed_at < b.viewed_at ? -1 : a.viewed_at > b.viewed_at ? 1 : 0));

  return [
    { path: 'data/customers.csv', text: `${customers.join('\n')}\n` },
    { path: 'data/orders.csv', text: `${orderLines.join('\n')}\n` },
    { path: 'data/churn_labels.csv', text: `${labels.join('\n')}\n` },
    { path: 'data/page_views.jsonl', text: views.map((v) => `${JSON.stringify(v)}\n`).join('') },
  ];
}

/** Every file of the starter project, in the order they are written. */
export function starterFiles(): StarterFile[] {
  return [
    { path: 'fsql.json', text: CONFIG },
    { path: '.gitignore', text: GITIGNORE },
    { path: 'README.md', text: README },
    { path: 'entities.fsql', text: ENTITIES },
    { path: 'sources.fsql', text: SOURCES },
    { path: 'features.fsql', text: FEATURES },
    { path: 'training.fsql', text: TRAINING },
    ...generateData(),
  ];
}

// ---------------------------------------------------------------------------
// The command

export interface InitIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
}

const rows = (f: StarterFile) => f.text.split('\n').filter(Boolean).length - (f.path.endsWith('.csv') ? 1 : 0);

/** Shell-quotes a path when it needs it. */
const shell = (p: string) => (/^[\w./-]+$/.test(p) ? p : `'${p.replaceAll("'", "'\\''")}'`);

export function runInit(dir: string, options: { force?: boolean }, io: InitIo): number {
  const target = resolve(io.cwd, dir);
  if (existsSync(target)) {
    if (!statSync(target).isDirectory()) {
      io.stderr(`fsql: ${dir} exists and is not a folder\n`);
      return 1;
    }
    const entries = readdirSync(target);
    if (entries.length > 0 && !options.force) {
      io.stderr(`fsql: ${dir} is not empty (${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}); choose a new folder, or give --force to write the starter files into it (files of the same name are overwritten)\n`);
      return 1;
    }
  }
  const files = starterFiles();
  for (const f of files) {
    const path = join(target, ...f.path.split('/'));
    try {
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, f.text);
    } catch (e) {
      // A file where a folder is needed, no permission, a read-only disk: the user's to fix, not a bug.
      const code = (e as NodeJS.ErrnoException).code;
      if (typeof code !== 'string') throw e;
      io.stderr(`fsql: cannot create the starter project in ${dir}: ${(e as Error).message}; choose a folder you can write to (fsql init DIR)\n`);
      return 1;
    }
  }
  const shown = relative(io.cwd, target) || '.';
  const p = shell(shown);
  const data = files.filter((f) => f.path.startsWith('data/'));
  io.stdout(
    `Created a starter project in ${shown}/: an online shop with customers, orders and page views.\n` +
      `  ${files.filter((f) => !f.path.startsWith('data/')).map((f) => f.path).join(', ')}\n` +
      `  ${data.map((f) => `${f.path} (${rows(f)} ${f.path.endsWith('.jsonl') ? 'events' : 'rows'})`).join(', ')}\n` +
      `\nNext steps:\n` +
      `  fsql apply ${p}\n` +
      `  fsql materialize ${p} --at '2024-04-01'\n` +
      `  fsql get customer c001 --project ${p}\n` +
      `  fsql train churn_model ${p} --out churn.csv\n` +
      `  fsql ingest page_views ${shell(join(shown, 'data', 'page_views.jsonl'))} ${p}\n` +
      `${shell(join(shown, 'README.md'))} says what each file holds.\n`,
  );
  return 0;
}
