/**
 * The baseline for parse speed: chevrotain's classic JSON example — a lexer and
 * a CST parser with no semantic actions — written from scratch here, with
 * chevrotain's default options (full position tracking in the lexer, no CST
 * node locations, no error recovery). It is about the cheapest useful thing
 * chevrotain can do with text of a given size, so fsql's parse throughput is
 * reported as a fraction of it.
 */
import { createToken, CstParser, Lexer, type CstNode, type IRecognitionException, type ILexingError } from 'chevrotain';

const True = createToken({ name: 'True', pattern: /true/ });
const False = createToken({ name: 'False', pattern: /false/ });
const Null = createToken({ name: 'Null', pattern: /null/ });
const LCurly = createToken({ name: 'LCurly', pattern: /{/ });
const RCurly = createToken({ name: 'RCurly', pattern: /}/ });
const LSquare = createToken({ name: 'LSquare', pattern: /\[/ });
const RSquare = createToken({ name: 'RSquare', pattern: /]/ });
const Comma = createToken({ name: 'Comma', pattern: /,/ });
const Colon = createToken({ name: 'Colon', pattern: /:/ });
const StringLiteral = createToken({ name: 'StringLiteral', pattern: /"(?:[^\\"]|\\(?:[bfnrtv"\\/]|u[0-9a-fA-F]{4}))*"/ });
const NumberLiteral = createToken({ name: 'NumberLiteral', pattern: /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/ });
const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\n\r]+/, group: Lexer.SKIPPED });

const allTokens = [WhiteSpace, NumberLiteral, StringLiteral, LCurly, RCurly, LSquare, RSquare, Comma, Colon, True, False, Null];

export const jsonLexer = new Lexer(allTokens);

class JsonParser extends CstParser {
  constructor() {
    super(allTokens);
    this.performSelfAnalysis();
  }

  public json = this.RULE('json', () => {
    this.OR([{ ALT: () => this.SUBRULE(this.object) }, { ALT: () => this.SUBRULE(this.array) }]);
  });

  private object = this.RULE('object', () => {
    this.CONSUME(LCurly);
    this.MANY_SEP({ SEP: Comma, DEF: () => this.SUBRULE(this.objectItem) });
    this.CONSUME(RCurly);
  });

  private objectItem = this.RULE('objectItem', () => {
    this.CONSUME(StringLiteral);
    this.CONSUME(Colon);
    this.SUBRULE(this.value);
  });

  private array = this.RULE('array', () => {
    this.CONSUME(LSquare);
    this.MANY_SEP({ SEP: Comma, DEF: () => this.SUBRULE(this.value) });
    this.CONSUME(RSquare);
  });

  private value = this.RULE('value', () => {
    this.OR([
      { ALT: () => this.CONSUME(StringLiteral) },
      { ALT: () => this.CONSUME(NumberLiteral) },
      { ALT: () => this.SUBRULE(this.object) },
      { ALT: () => this.SUBRULE(this.array) },
      { ALT: () => this.CONSUME(True) },
      { ALT: () => this.CONSUME(False) },
      { ALT: () => this.CONSUME(Null) },
    ]);
  });
}

const parser = new JsonParser();

export interface JsonParseResult {
  readonly cst: CstNode;
  readonly lexErrors: ILexingError[];
  readonly parseErrors: IRecognitionException[];
}

/** Lexes and parses `text` to a CST. */
export function parseJson(text: string): JsonParseResult {
  const lexed = jsonLexer.tokenize(text);
  parser.input = lexed.tokens;
  const cst = parser.json();
  return { cst, lexErrors: lexed.errors, parseErrors: parser.errors };
}

/**
 * A deterministic JSON document of about `bytes` bytes (pretty-printed, like
 * hand-written config): an array of records shaped like feature definitions.
 */
export function generateJson(bytes: number): string {
  const records: unknown[] = [];
  const units = ['HOURS', 'DAYS', 'WEEKS'];
  const methods = ['STANDARD', 'MINMAX', 'ROBUST', 'LOG', null];
  let size = 2;
  for (let i = 0; size < bytes; i++) {
    const record = {
      name: `customer_sum_amount_${i % 90}d_${i}`,
      version: 1 + (i % 3),
      entity: ['customer', 'merchant', 'card', 'device'][i % 4],
      from: `payments_${i % 500}`,
      value: { aggregate: 'SUM', column: 'amount', distinct: i % 7 === 0 },
      window: { amount: 1 + (i % 90), unit: units[i % 3] },
      where: i % 3 === 0 ? { op: '>', column: 'amount', value: 10.5 + i / 1000 } : null,
      fill: i % 2 === 0 ? 'MEDIAN' : 0,
      scale: methods[i % 5],
      active: i % 4 !== 0,
      description: `Aggregate of payments_${i % 500} per customer`,
      tags: ['spend', 'core', `v${i % 4}`],
      score: (i * 7919) % 100000 / 7.0,
    };
    const text = JSON.stringify(record, null, 2);
    size += text.length + 2;
    records.push(record);
  }
  return JSON.stringify(records, null, 2);
}
