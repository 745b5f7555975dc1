/**
 * The fsql parser: a chevrotain parser with embedded actions. As it recognises
 * each piece of a statement it hands the tokens and the pieces already built
 * to the AST builder (src/syntax/build.ts), so a statement parses straight to
 * the typed AST of src/syntax/ast.ts, with no concrete syntax tree between.
 *
 * Error recovery happens one level up (src/syntax/parse.ts): a file is split
 * into statements at `;`, and each is parsed on its own, so one run reports the
 * first error of every statement.
 *
 * Writing rules here:
 * - chevrotain runs every rule once while it records the grammar (in
 *   `performSelfAnalysis`), with placeholder tokens and results; the actions
 *   must not run then, hence the `this.RECORDING_PHASE` tests before every call
 *   to the builder.
 * - Alternatives and repeated bodies that capture nothing but `this` are made
 *   once (the fields after the rules) rather than on every call.
 * - Expressions take few rule levels (each costs a call per operand):
 *   `expression` (OR, AND) → `predicate` (NOT, comparisons, IS, IN, BETWEEN,
 *   LIKE) → `additive` (+ - || * / %) → `unary` (signs, literals, CASE, CAST,
 *   EXTRACT, parentheses, columns, calls). The binary operators of one rule
 *   are recognised as a flat chain that the builder folds by precedence.
 */
import type { IParserErrorMessageProvider, IToken, TokenType } from 'chevrotain';
import { EmbeddedActionsParser } from './chevrotain.js';
import type * as A from './ast.js';
import type { AstBuilder, CallArguments, Clause, PredicateTail } from './build.js';
import * as T from './tokens.js';

function describe(token: IToken): string {
  if (token.tokenType.name === 'EOF') return 'the end of the file';
  return `\`${token.image}\``;
}

function labelOf(type: TokenType): string {
  return type.LABEL ?? type.name;
}

function listExpected(paths: TokenType[][]): string {
  const seen = new Set<string>();
  for (const path of paths) {
    const first = path[0];
    if (first) seen.add(labelOf(first));
  }
  const items = [...seen];
  if (items.length === 0) return 'something else';
  if (items.length === 1) return items[0]!;
  if (items.length <= 8) return `one of ${items.join(', ')}`;
  return `one of ${items.slice(0, 8).join(', ')}, …`;
}

export const errorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual }) {
    return `expected ${labelOf(expected)}, found ${describe(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `expected ';' before ${describe(firstRedundant)}`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, customUserDescription }) {
    const found = actual[0] ? describe(actual[0]) : 'the end of the file';
    if (customUserDescription) return `expected ${customUserDescription}, found ${found}`;
    return `expected ${listExpected(expectedPathsPerAlt.flat())}, found ${found}`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, customUserDescription }) {
    const found = actual[0] ? describe(actual[0]) : 'the end of the file';
    if (customUserDescription) return `expected ${customUserDescription}, found ${found}`;
    return `expected ${listExpected(expectedIterationPaths)}, found ${found}`;
  },
};

/** What a rule returns while the grammar is being recorded (never used). */
const NONE = undefined as never;

/**
 * Names of the parts of rules, shown in the railroad diagrams (`LABEL`), made
 * once: an options object written in a DSL call would be made on every call.
 */
const L = {
  alias: { LABEL: 'alias' },
  args: { LABEL: 'args' },
  column: { LABEL: 'column' },
  comparison: { LABEL: 'comparison' },
  date: { LABEL: 'date' },
  description: { LABEL: 'description' },
  else: { LABEL: 'else' },
  features: { LABEL: 'features' },
  format: { LABEL: 'format' },
  from: { LABEL: 'from' },
  groupBy: { LABEL: 'groupBy' },
  having: { LABEL: 'having' },
  high: { LABEL: 'high' },
  isNot: { LABEL: 'isNot' },
  label: { LABEL: 'label' },
  list: { LABEL: 'list' },
  low: { LABEL: 'low' },
  negated: { LABEL: 'negated' },
  operand: { LABEL: 'operand' },
  operands: { LABEL: 'operands' },
  operators: { LABEL: 'operators' },
  owner: { LABEL: 'owner' },
  part: { LABEL: 'part' },
  pattern: { LABEL: 'pattern' },
  right: { LABEL: 'right' },
  scale: { LABEL: 'scale' },
  seed: { LABEL: 'seed' },
  sign: { LABEL: 'sign' },
  table: { LABEL: 'table' },
  tag: { LABEL: 'tag' },
  then: { LABEL: 'then' },
  time: { LABEL: 'time' },
  topic: { LABEL: 'topic' },
  delay: { LABEL: 'delay' },
  timestamp: { LABEL: 'timestamp' },
  ttl: { LABEL: 'ttl' },
  unit: { LABEL: 'unit' },
  when: { LABEL: 'when' },
  window: { LABEL: 'window' },
} as const;

export class FsqlParser extends EmbeddedActionsParser {
  /** Builds the AST of the file being parsed; set before parsing (src/syntax/parse.ts). */
  builder!: AstBuilder;

  constructor() {
    super(T.allTokens, {
      maxLookahead: 3,
      recoveryEnabled: false,
      errorMessageProvider: errorMessages,
    });
    this.performSelfAnalysis();
  }

  /** A whole file, for the railroad diagrams; parse.ts parses statement by statement. */
  public file = this.RULE('file', () => {
    this.MANY(() => this.SUBRULE(this.statement));
  });

  public statement = this.RULE('statement', (): A.Statement => {
    const create = this.CONSUME(T.Create);
    const statement = this.OR(this.statementKinds);
    const semicolon = this.CONSUME(T.Semicolon);
    if (!this.RECORDING_PHASE) (statement as { span: A.Span }).span = this.builder.span(create, semicolon);
    return statement;
  });

  // ---- CREATE ENTITY -------------------------------------------------------

  public entity = this.RULE('entity', (): A.EntityStatement => {
    this.CONSUME(T.Entity);
    const name = this.identifier(this.CONSUME(T.Name));
    this.CONSUME(T.Key);
    const keys = this.SUBRULE(this.columnList);
    const clauses: Clause[] = [];
    this.MANY(() => {
      clauses.push(this.SUBRULE(this.metaClause));
    });
    return this.RECORDING_PHASE ? NONE : this.builder.entity(name, keys, clauses);
  });

  public columnList = this.RULE('columnList', (): A.ColumnDef[] => {
    const columns: A.ColumnDef[] = [];
    this.CONSUME(T.LParen);
    this.AT_LEAST_ONE_SEP({
      SEP: T.Comma,
      DEF: () => {
        columns.push(this.SUBRULE(this.columnDef));
      },
    });
    this.CONSUME(T.RParen);
    return columns;
  });

  public columnDef = this.RULE('columnDef', (): A.ColumnDef => {
    const name = this.identifier(this.CONSUME(T.Name));
    const type = this.SUBRULE(this.typeName);
    const notNull = this.OPTION(this.notNull) === true;
    return this.RECORDING_PHASE ? NONE : this.builder.columnDef(name, type, notNull, this.LA(0));
  });

  /** A type is a name (checked against the type list by the builder), with optional ignored size: VARCHAR(255). */
  public typeName = this.RULE('typeName', (): A.TypeName => {
    const name = this.CONSUME(T.Name);
    const sized = this.OPTION(this.typeSize) === true;
    return this.RECORDING_PHASE ? NONE : this.builder.typeName(name, sized, this.builder.span(name, this.LA(0)));
  });

  public metaClause = this.RULE('metaClause', (): Clause => this.OR(this.metaClauses));

  // ---- CREATE SOURCE -------------------------------------------------------

  public source = this.RULE('source', (): A.SourceStatement => {
    this.CONSUME(T.Source);
    const name = this.identifier(this.CONSUME(T.Name));
    const columns = this.SUBRULE(this.columnList);
    this.CONSUME(T.From);
    const origin = this.SUBRULE(this.origin);
    const clauses: Clause[] = [];
    this.MANY(() => {
      clauses.push(this.OR(this.relationClauses));
    });
    return this.RECORDING_PHASE ? NONE : this.builder.source(name, columns, origin, clauses);
  });

  public origin = this.RULE('origin', (): A.SourceOrigin => this.OR(this.originKinds));

  public eventTime = this.RULE('eventTime', (): Clause => {
    const mark = this.mark();
    const event = this.CONSUME(T.Event);
    this.CONSUME(T.Time);
    const name = this.identifier(this.CONSUME(T.Name));
    return this.RECORDING_PHASE ? NONE : this.builder.clause('EVENT TIME', name, this.builder.span(event, this.LA(0)), mark);
  });

  /** `AVAILABLE AFTER <duration>` or `AVAILABLE AT END OF DAY`: when a relation's rows become visible. */
  public availability = this.RULE('availability', (): Clause => {
    const mark = this.mark();
    const keyword = this.CONSUME(T.Available);
    const spec = this.OR(this.availabilitySpecs);
    if (this.RECORDING_PHASE) return NONE;
    const span = this.builder.span(keyword, this.LA(0));
    return this.builder.clause('AVAILABLE', this.builder.availability(spec, span), span, mark);
  });

  // ---- CREATE VIEW ---------------------------------------------------------

  public view = this.RULE('view', (): A.ViewStatement => {
    this.CONSUME(T.View);
    const name = this.identifier(this.CONSUME(T.Name));
    const clauses: Clause[] = [];
    this.MANY(() => {
      clauses.push(this.OR(this.relationClauses));
    });
    this.CONSUME(T.As);
    const query = this.SUBRULE(this.select);
    return this.RECORDING_PHASE ? NONE : this.builder.view(name, clauses, query);
  });

  // ---- CREATE FEATURE / LABEL ----------------------------------------------

  public feature = this.RULE('feature', (): A.FeatureStatement => {
    this.CONSUME(T.Feature);
    const name = this.identifier(this.CONSUME(T.Name));
    const version = this.OPTION(this.optionalVersion);
    const entity = this.SUBRULE(this.entityBinding);
    this.CONSUME(T.From);
    const from = this.identifier(this.CONSUME2(T.Name, L.from));
    this.CONSUME(T.As);
    const value = this.SUBRULE(this.expression);
    const clauses: Clause[] = [];
    this.MANY(() => {
      clauses.push(this.SUBRULE(this.featureClause));
    });
    return this.RECORDING_PHASE ? NONE : this.builder.feature(name, version, entity, from, value, clauses);
  });

  /** `AS OF < t` (strictly before the time asked) or `AS OF <= t` (the default). */
  public asOf = this.RULE('asOf', (): Clause => {
    const mark = this.mark();
    const keyword = this.CONSUME(T.As);
    this.CONSUME(T.Of);
    const op = this.OR(this.asOfOperators);
    const name = this.CONSUME(T.Name, L.time);
    if (this.RECORDING_PHASE) return NONE;
    const span = this.builder.span(keyword, name);
    return this.builder.clause('AS OF', this.builder.asOf(op, name, span), span, mark);
  });

  public version = this.RULE('version', (): A.IntegerLiteral => {
    this.CONSUME(T.Version);
    const n = this.CONSUME(T.Integer);
    return this.RECORDING_PHASE ? NONE : this.builder.version(n);
  });

  public entityBinding = this.RULE('entityBinding', (): A.EntityBinding => {
    const keyword = this.CONSUME(T.Entity);
    const entity = this.identifier(this.CONSUME(T.Name));
    const on = this.OPTION(this.onColumns);
    return this.RECORDING_PHASE ? NONE : this.builder.entityBinding(entity, on, this.builder.span(keyword, this.LA(0)));
  });

  public nameList = this.RULE('nameList', (): A.Identifier[] => {
    const names: A.Identifier[] = [];
    this.CONSUME(T.LParen);
    this.AT_LEAST_ONE_SEP({
      SEP: T.Comma,
      DEF: () => {
        names.push(this.identifier(this.CONSUME(T.Name)));
      },
    });
    this.CONSUME(T.RParen);
    return names;
  });

  public featureClause = this.RULE('featureClause', (): Clause => this.OR(this.featureClauses));

  public whereClause = this.RULE('whereClause', (): A.Expr => {
    this.CONSUME(T.Where);
    return this.SUBRULE(this.expression);
  });

  public duration = this.RULE('duration', (): A.Duration => {
    const amount = this.CONSUME(T.Integer);
    const unit = this.CONSUME(T.Name, L.unit);
    return this.RECORDING_PHASE ? NONE : this.builder.duration(amount, unit);
  });

  /** A literal, or the name of a statistic (the builder checks which). */
  public fillValue = this.RULE('fillValue', (): A.Literal | A.Identifier => this.OR(this.fillValues));

  /** `TOP n` (the integer token) or a list of values. */
  public oneHotSpec = this.RULE('oneHotSpec', (): IToken | A.Literal[] => this.OR(this.oneHotSpecs));

  public label = this.RULE('label', (): A.LabelStatement => {
    this.CONSUME(T.Label);
    const name = this.identifier(this.CONSUME(T.Name));
    const version = this.OPTION(this.optionalVersion);
    const entity = this.SUBRULE(this.entityBinding);
    this.CONSUME(T.From);
    const from = this.identifier(this.CONSUME2(T.Name, L.from));
    this.CONSUME(T.As);
    const value = this.SUBRULE(this.expression);
    const clauses: Clause[] = [];
    this.MANY(() => {
      clauses.push(this.OR(this.labelClauses));
    });
    return this.RECORDING_PHASE ? NONE : this.builder.label(name, version, entity, from, value, clauses);
  });

  // ---- CREATE TRAINING SET -------------------------------------------------

  public trainingSet = this.RULE('trainingSet', (): A.TrainingSetStatement => {
    this.CONSUME(T.Training);
    this.CONSUME(T.Set);
    const name = this.identifier(this.CONSUME(T.Name));
    const version = this.OPTION(this.optionalVersion);
    this.CONSUME(T.Label);
    const label = this.SUBRULE(this.versionedRef, L.label);
    this.CONSUME(T.Features);
    this.CONSUME(T.LParen);
    const features: A.VersionedRef[] = [];
    this.AT_LEAST_ONE_SEP({
      SEP: T.Comma,
      DEF: () => {
        features.push(this.SUBRULE2(this.versionedRef, L.features));
      },
    });
    this.CONSUME(T.RParen);
    const clauses: Clause[] = [];
    this.MANY(() => {
      clauses.push(this.OR(this.trainingSetClauses));
    });
    return this.RECORDING_PHASE ? NONE : this.builder.trainingSet(name, version, label, features, clauses);
  });

  public versionedRef = this.RULE('versionedRef', (): A.VersionedRef => {
    const name = this.identifier(this.CONSUME(T.Name));
    const version = this.OPTION(this.optionalVersion);
    return this.RECORDING_PHASE ? NONE : this.builder.versionedRef(name, version, this.LA(0));
  });

  public sample = this.RULE('sample', (): Clause => {
    const mark = this.mark();
    const keyword = this.CONSUME(T.Sample);
    const percent = this.OR(this.percentNumbers);
    this.CONSUME(T.Percent);
    const seed = this.OPTION(this.seed);
    if (this.RECORDING_PHASE) return NONE;
    const span = this.builder.span(keyword, this.LA(0));
    return this.builder.clause('SAMPLE', this.builder.sample(percent, seed, span), span, mark);
  });

  // ---- SELECT (views) ------------------------------------------------------

  public select = this.RULE('select', (): A.Select => {
    const keyword = this.CONSUME(T.Select);
    const distinct = this.OPTION(this.distinct) !== undefined;
    const items: A.SelectItem[] = [];
    this.AT_LEAST_ONE_SEP({
      SEP: T.Comma,
      DEF: () => {
        items.push(this.SUBRULE(this.selectItem));
      },
    });
    this.CONSUME(T.From);
    const from = this.SUBRULE(this.tableRef);
    const joins: A.Join[] = [];
    this.MANY(() => {
      joins.push(this.SUBRULE(this.join));
    });
    const where = this.OPTION2(() => this.SUBRULE(this.whereClause));
    const groupBy: A.Expr[] = [];
    this.OPTION3(() => {
      this.CONSUME(T.Group);
      this.CONSUME(T.By);
      this.AT_LEAST_ONE_SEP2({
        SEP: T.Comma,
        DEF: () => {
          groupBy.push(this.SUBRULE(this.expression, L.groupBy));
        },
      });
    });
    const having = this.OPTION4(() => {
      this.CONSUME(T.Having);
      return this.SUBRULE2(this.expression, L.having);
    });
    return this.RECORDING_PHASE ? NONE : this.builder.select(distinct, items, from, joins, where, groupBy, having, this.builder.span(keyword, this.LA(0)));
  });

  public selectItem = this.RULE('selectItem', (): A.SelectItem => this.OR(this.selectItems));

  public tableRef = this.RULE('tableRef', (): A.TableRef => {
    const name = this.identifier(this.CONSUME(T.Name));
    let as = false;
    const alias = this.OPTION(() => {
      as = this.OPTION2(this.as) !== undefined;
      return this.identifier(this.CONSUME2(T.Name, L.alias));
    });
    return this.RECORDING_PHASE ? NONE : this.builder.tableRef(name, alias, as, this.LA(0));
  });

  public join = this.RULE('join', (): A.Join => {
    const first = this.LA(1);
    const left = this.OPTION(this.joinType) === true;
    this.CONSUME(T.Join);
    const table = this.SUBRULE(this.tableRef);
    this.CONSUME(T.On);
    const on = this.SUBRULE(this.expression);
    return this.RECORDING_PHASE ? NONE : this.builder.join(left, table, on, first);
  });

  // ---- Expressions ---------------------------------------------------------

  /** OR and AND (AND binds tighter). */
  public expression = this.RULE('expression', (): A.Expr => {
    const first = this.SUBRULE(this.predicate, L.operands);
    let rest: (IToken | A.Expr)[] | undefined;
    this.MANY(() => {
      const op = this.OR(this.logicalOperators);
      const operand = this.SUBRULE2(this.predicate, L.operands);
      (rest ??= []).push(op, operand);
    });
    return this.RECORDING_PHASE || rest === undefined ? first : this.builder.chain(first, rest);
  });

  /** NOT, or an operand with an optional comparison, IS [NOT] NULL, [NOT] IN, BETWEEN or LIKE. */
  public predicate = this.RULE('predicate', (): A.Expr => this.OR(this.predicates));

  /** + - || and * / % (which bind tighter). */
  public additive = this.RULE('additive', (): A.Expr => {
    const first = this.SUBRULE(this.unary, L.operands);
    let rest: (IToken | A.Expr)[] | undefined;
    this.MANY(() => {
      const op = this.OR(this.arithmeticOperators);
      const operand = this.SUBRULE2(this.unary, L.operands);
      (rest ??= []).push(op, operand);
    });
    return this.RECORDING_PHASE || rest === undefined ? first : this.builder.chain(first, rest);
  });

  /** A signed operand, a literal, CASE, CAST, EXTRACT, a parenthesised expression, a column or a call. */
  public unary = this.RULE('unary', (): A.Expr => this.OR(this.unaryKinds));

  public literal = this.RULE('literal', (): A.Literal => this.OR(this.literals));

  /** A literal that may carry a sign: FILL -1, ONE_HOT (-1, 0, 1). */
  public signedLiteral = this.RULE('signedLiteral', (): A.Literal => {
    const sign = this.OPTION(this.optionalSign);
    const literal = this.SUBRULE(this.literal);
    return this.RECORDING_PHASE || sign === undefined ? literal : this.builder.signedLiteral(sign, literal);
  });

  public caseExpression = this.RULE('caseExpression', (): A.Expr => {
    const keyword = this.CONSUME(T.Case);
    const operand = this.OPTION(() => this.SUBRULE(this.expression, L.operand));
    const whens: { when: A.Expr; then: A.Expr }[] = [];
    this.AT_LEAST_ONE(() => {
      this.CONSUME(T.When);
      const when = this.SUBRULE2(this.expression, L.when);
      this.CONSUME(T.Then);
      const then = this.SUBRULE3(this.expression, L.then);
      whens.push({ when, then });
    });
    const otherwise = this.OPTION2(() => {
      this.CONSUME(T.Else);
      return this.SUBRULE4(this.expression, L.else);
    });
    const end = this.CONSUME(T.End);
    return this.RECORDING_PHASE ? NONE : this.builder.caseExpression(operand, whens, otherwise, this.builder.span(keyword, end));
  });

  public castExpression = this.RULE('castExpression', (): A.Expr => {
    const keyword = this.CONSUME(T.Cast);
    this.CONSUME(T.LParen);
    const operand = this.SUBRULE(this.expression);
    this.CONSUME(T.As);
    const type = this.SUBRULE(this.typeName);
    const close = this.CONSUME(T.RParen);
    return this.RECORDING_PHASE ? NONE : this.builder.cast(operand, type, this.builder.span(keyword, close));
  });

  public extractExpression = this.RULE('extractExpression', (): A.Expr => {
    const keyword = this.CONSUME(T.Extract);
    this.CONSUME(T.LParen);
    const partToken = this.CONSUME(T.Name, L.part);
    const part = this.RECORDING_PHASE ? NONE : this.builder.extractPart(partToken);
    this.CONSUME(T.From);
    const operand = this.SUBRULE(this.expression);
    const close = this.CONSUME(T.RParen);
    return this.RECORDING_PHASE ? NONE : this.builder.extract(part, operand, this.builder.span(keyword, close));
  });

  // ---- Helpers (not rules) ---------------------------------------------------

  /** An identifier or contextual keyword as a name (`Name` tokens). */
  private identifier(t: IToken): A.Identifier {
    return this.RECORDING_PHASE ? NONE : this.builder.identifier(t);
  }

  /** Where the diagnostics of the clause about to be parsed begin (see AstBuilder.clause). */
  private mark(): number {
    return this.RECORDING_PHASE ? 0 : this.builder.mark();
  }

  // ---- Alternatives and bodies made once -------------------------------------
  // Each is used by one rule only (so the occurrence numbers of its CONSUMEs
  // and SUBRULEs are that rule's), or by rules that use it once each.

  private statementKinds = {
    DEF: [
      { ALT: () => this.SUBRULE(this.entity) },
      { ALT: () => this.SUBRULE(this.source) },
      { ALT: () => this.SUBRULE(this.view) },
      { ALT: () => this.SUBRULE(this.feature) },
      { ALT: () => this.SUBRULE(this.label) },
      { ALT: () => this.SUBRULE(this.trainingSet) },
    ],
    ERR_MSG: 'ENTITY, SOURCE, VIEW, FEATURE, LABEL or TRAINING SET after CREATE',
  };

  private notNull = (): true => {
    this.CONSUME(T.Not);
    this.CONSUME(T.Null);
    return true;
  };

  private typeSize = (): true => {
    this.CONSUME(T.LParen);
    this.AT_LEAST_ONE_SEP(this.sizes);
    this.CONSUME(T.RParen);
    return true;
  };

  private sizes = { SEP: T.Comma, DEF: () => this.CONSUME(T.Integer) };

  private metaClauses = [
    {
      ALT: (): Clause => {
        const keyword = this.CONSUME(T.Description);
        const text = this.CONSUME(T.StringLiteral, L.description);
        if (this.RECORDING_PHASE) return NONE;
        return this.builder.clause('DESCRIPTION', this.builder.string(text), this.builder.span(keyword, text), this.builder.mark());
      },
    },
    {
      ALT: (): Clause => {
        const keyword = this.CONSUME(T.Owner);
        const text = this.CONSUME2(T.StringLiteral, L.owner);
        if (this.RECORDING_PHASE) return NONE;
        return this.builder.clause('OWNER', this.builder.string(text), this.builder.span(keyword, text), this.builder.mark());
      },
    },
    {
      ALT: (): Clause => {
        const keyword = this.CONSUME(T.Tags);
        this.CONSUME(T.LParen);
        const tags: A.StringLiteral[] = [];
        this.MANY_SEP({
          SEP: T.Comma,
          DEF: () => {
            const tag = this.CONSUME3(T.StringLiteral, L.tag);
            if (!this.RECORDING_PHASE) tags.push(this.builder.string(tag));
          },
        });
        const close = this.CONSUME(T.RParen);
        if (this.RECORDING_PHASE) return NONE;
        return this.builder.clause('TAGS', tags, this.builder.span(keyword, close), this.builder.mark());
      },
    },
  ];

  /** Of sources and views. */
  private relationClauses = [
    { ALT: (): Clause => this.SUBRULE(this.eventTime) },
    { ALT: (): Clause => this.SUBRULE(this.availability) },
    { ALT: (): Clause => this.SUBRULE(this.metaClause) },
  ];

  private availabilitySpecs = {
    DEF: [
      {
        ALT: (): A.Duration | IToken => {
          this.CONSUME(T.After);
          return this.SUBRULE(this.duration, L.delay);
        },
      },
      {
        ALT: (): A.Duration | IToken => {
          this.CONSUME(T.At);
          this.CONSUME(T.End);
          this.CONSUME(T.Of);
          return this.CONSUME(T.Name, L.unit);
        },
      },
    ],
    ERR_MSG: 'AFTER <duration> or AT END OF DAY',
  };

  private asOfOperators = [{ ALT: () => this.CONSUME(T.Less) }, { ALT: () => this.CONSUME(T.LessEquals) }];

  private originKinds = {
    DEF: [
      {
        ALT: (): A.SourceOrigin => {
          const keyword = this.CONSUME(T.File);
          const path = this.CONSUME(T.StringLiteral);
          const format = this.OPTION(() => {
            this.CONSUME(T.Format);
            return this.CONSUME(T.Name, L.format);
          });
          return this.RECORDING_PHASE ? NONE : this.builder.fileOrigin(path, format, this.builder.span(keyword, this.LA(0)));
        },
      },
      {
        ALT: (): A.SourceOrigin => {
          const keyword = this.CONSUME(T.Table);
          const names: A.Identifier[] = [];
          this.AT_LEAST_ONE_SEP({
            SEP: T.Dot,
            DEF: () => {
              names.push(this.identifier(this.CONSUME2(T.Name, L.table)));
            },
          });
          return this.RECORDING_PHASE ? NONE : this.builder.tableOrigin(names, this.builder.span(keyword, this.LA(0)));
        },
      },
      {
        ALT: (): A.SourceOrigin => {
          const keyword = this.CONSUME(T.Stream);
          return this.RECORDING_PHASE ? NONE : this.builder.streamOrigin(this.builder.tokenSpan(keyword));
        },
      },
      {
        ALT: (): A.SourceOrigin => {
          const keyword = this.CONSUME(T.Kafka);
          this.CONSUME(T.Topic);
          const topic = this.CONSUME2(T.StringLiteral, L.topic);
          const format = this.OPTION2(() => {
            this.CONSUME2(T.Format);
            return this.CONSUME3(T.Name, L.format);
          });
          return this.RECORDING_PHASE ? NONE : this.builder.kafkaOrigin(topic, format, this.builder.span(keyword, this.LA(0)));
        },
      },
    ],
    ERR_MSG: "FILE 'path', TABLE name, STREAM or KAFKA TOPIC 'name'",
  };

  /** Of features, labels and versioned references. */
  private optionalVersion = (): A.IntegerLiteral => this.SUBRULE(this.version);

  private onColumns = (): A.Identifier[] => {
    this.CONSUME(T.On);
    return this.SUBRULE(this.nameList);
  };

  /** A WHERE clause of a feature or a label. */
  private whereClauseOnce = (): Clause => {
    const mark = this.mark();
    const keyword = this.LA(1);
    const where = this.SUBRULE(this.whereClause);
    return this.RECORDING_PHASE ? NONE : this.builder.clause('WHERE', where, this.builder.spanTo(keyword, where.span), mark);
  };

  private featureClauses = {
    DEF: [
      { ALT: this.whereClauseOnce },
      {
        ALT: (): Clause => {
          const mark = this.mark();
          const keyword = this.CONSUME(T.Window);
          const duration = this.SUBRULE(this.duration, L.window);
          return this.RECORDING_PHASE ? NONE : this.builder.clause('WINDOW', duration, this.builder.spanTo(keyword, duration.span), mark);
        },
      },
      {
        ALT: (): Clause => {
          const mark = this.mark();
          const keyword = this.CONSUME(T.Ttl);
          const duration = this.SUBRULE2(this.duration, L.ttl);
          return this.RECORDING_PHASE ? NONE : this.builder.clause('TTL', duration, this.builder.spanTo(keyword, duration.span), mark);
        },
      },
      {
        ALT: (): Clause => {
          const mark = this.mark();
          const keyword = this.CONSUME(T.Fill);
          const value = this.SUBRULE(this.fillValue);
          if (this.RECORDING_PHASE) return NONE;
          const span = this.builder.spanTo(keyword, value.span);
          return this.builder.clause('FILL', this.builder.fill(value, span), span, mark);
        },
      },
      {
        ALT: (): Clause => {
          const mark = this.mark();
          const keyword = this.CONSUME(T.Scale);
          const method = this.CONSUME(T.Name, L.scale);
          if (this.RECORDING_PHASE) return NONE;
          const span = this.builder.span(keyword, method);
          return this.builder.clause('SCALE', this.builder.scale(method, span), span, mark);
        },
      },
      {
        ALT: (): Clause => {
          const mark = this.mark();
          const keyword = this.CONSUME(T.OneHot);
          const spec = this.SUBRULE(this.oneHotSpec);
          if (this.RECORDING_PHASE) return NONE;
          const span = this.builder.span(keyword, this.LA(0));
          return this.builder.clause('ONE_HOT', this.builder.oneHot(spec, span), span, mark);
        },
      },
      { ALT: (): Clause => this.SUBRULE(this.asOf) },
      { ALT: (): Clause => this.SUBRULE(this.metaClause) },
    ],
    ERR_MSG: 'a feature clause (WHERE, WINDOW, TTL, AS OF, FILL, SCALE, ONE_HOT, DESCRIPTION, OWNER, TAGS) or \';\'',
  };

  private fillValues = {
    DEF: [
      { ALT: (): A.Literal | A.Identifier => this.SUBRULE(this.signedLiteral) },
      { ALT: (): A.Literal | A.Identifier => this.identifier(this.CONSUME(T.Name)) },
    ],
    ERR_MSG: 'MEAN, MEDIAN, MODE, ZERO or a literal value',
  };

  private oneHotSpecs = {
    DEF: [
      {
        ALT: (): IToken | A.Literal[] => {
          this.CONSUME(T.Top);
          return this.CONSUME(T.Integer);
        },
      },
      {
        ALT: (): IToken | A.Literal[] => {
          const values: A.Literal[] = [];
          this.CONSUME(T.LParen);
          this.AT_LEAST_ONE_SEP({
            SEP: T.Comma,
            DEF: () => {
              values.push(this.SUBRULE(this.signedLiteral));
            },
          });
          this.CONSUME(T.RParen);
          return values;
        },
      },
    ],
    ERR_MSG: "TOP n or a list of values ('a', 'b')",
  };

  private labelClauses = {
    DEF: [{ ALT: this.whereClauseOnce }, { ALT: (): Clause => this.SUBRULE(this.metaClause) }],
    ERR_MSG: "WHERE, DESCRIPTION, OWNER, TAGS or ';'",
  };

  private trainingSetClauses = {
    DEF: [{ ALT: (): Clause => this.SUBRULE(this.sample) }, { ALT: (): Clause => this.SUBRULE(this.metaClause) }],
    ERR_MSG: "SAMPLE, DESCRIPTION, OWNER, TAGS or ';'",
  };

  private percentNumbers = [{ ALT: () => this.CONSUME(T.Integer) }, { ALT: () => this.CONSUME(T.Decimal) }];

  private seed = (): IToken => {
    this.CONSUME(T.Seed);
    return this.CONSUME2(T.Integer, L.seed);
  };

  private distinct = (): IToken => this.CONSUME(T.Distinct);

  private as = (): IToken => this.CONSUME(T.As);

  private selectItems = [
    {
      ALT: (): A.SelectItem => {
        const star = this.CONSUME(T.Star);
        return this.RECORDING_PHASE ? NONE : this.builder.star(undefined, this.builder.tokenSpan(star));
      },
    },
    {
      GATE: () => this.LA(2).tokenType === T.Dot && this.LA(3).tokenType === T.Star,
      ALT: (): A.SelectItem => {
        const table = this.CONSUME(T.Name, L.table);
        this.CONSUME(T.Dot);
        const star = this.CONSUME2(T.Star);
        return this.RECORDING_PHASE ? NONE : this.builder.star(table, this.builder.span(table, star));
      },
    },
    {
      ALT: (): A.SelectItem => {
        const expr = this.SUBRULE(this.expression);
        const alias = this.OPTION(() => {
          this.OPTION2(this.as);
          return this.identifier(this.CONSUME2(T.Name, L.alias));
        });
        return this.RECORDING_PHASE ? NONE : this.builder.selectItem(expr, alias, this.LA(0));
      },
    },
  ];

  /** LEFT [OUTER] (true) or INNER (false). */
  private joinType = (): boolean => this.OR(this.joinTypes);

  private joinTypes = [
    {
      ALT: () => {
        this.CONSUME(T.Left);
        this.OPTION2(() => this.CONSUME(T.Outer));
        return true;
      },
    },
    {
      ALT: () => {
        this.CONSUME(T.Inner);
        return false;
      },
    },
  ];

  private logicalOperators = [{ ALT: () => this.CONSUME(T.Or, L.operators) }, { ALT: () => this.CONSUME(T.And, L.operators) }];

  private predicates = [
    {
      ALT: (): A.Expr => {
        const not = this.CONSUME(T.Not);
        const operand = this.SUBRULE(this.predicate);
        return this.RECORDING_PHASE ? NONE : this.builder.not(not, operand);
      },
    },
    {
      ALT: (): A.Expr => {
        const operand = this.SUBRULE(this.additive, L.operand);
        const tail = this.OPTION(this.predicateTail);
        return this.RECORDING_PHASE || tail === undefined ? operand : this.builder.predicate(operand, tail, this.LA(0));
      },
    },
  ];

  private predicateTail = (): PredicateTail => this.OR2(this.predicateTails);

  private predicateTails = [
    {
      ALT: (): PredicateTail => {
        const op = this.OR3(this.comparisons);
        const right = this.SUBRULE2(this.additive, L.right);
        return { kind: 'comparison', op, right };
      },
    },
    {
      ALT: (): PredicateTail => {
        this.CONSUME(T.Is);
        const not = this.OPTION2(() => this.CONSUME2(T.Not, L.isNot));
        this.CONSUME(T.Null);
        return { kind: 'is_null', negated: not !== undefined };
      },
    },
    {
      ALT: (): PredicateTail => {
        const not = this.OPTION3(() => this.CONSUME3(T.Not, L.negated));
        const tail = this.OR4(this.negatablePredicates);
        if (!this.RECORDING_PHASE) tail.negated = not !== undefined;
        return tail;
      },
    },
  ];

  private comparisons = [
    { ALT: () => this.CONSUME(T.Equals, L.comparison) },
    { ALT: () => this.CONSUME(T.NotEquals, L.comparison) },
    { ALT: () => this.CONSUME(T.Less, L.comparison) },
    { ALT: () => this.CONSUME(T.LessEquals, L.comparison) },
    { ALT: () => this.CONSUME(T.Greater, L.comparison) },
    { ALT: () => this.CONSUME(T.GreaterEquals, L.comparison) },
  ];

  private negatablePredicates = [
    {
      ALT: (): PredicateTail & { negated: boolean } => {
        this.CONSUME(T.In);
        this.CONSUME(T.LParen);
        const list: A.Expr[] = [];
        this.AT_LEAST_ONE_SEP({
          SEP: T.Comma,
          DEF: () => {
            list.push(this.SUBRULE(this.expression, L.list));
          },
        });
        this.CONSUME(T.RParen);
        return { kind: 'in', negated: false, list };
      },
    },
    {
      ALT: (): PredicateTail & { negated: boolean } => {
        this.CONSUME(T.Between);
        const low = this.SUBRULE3(this.additive, L.low);
        this.CONSUME(T.And);
        const high = this.SUBRULE4(this.additive, L.high);
        return { kind: 'between', negated: false, low, high };
      },
    },
    {
      ALT: (): PredicateTail & { negated: boolean } => {
        this.CONSUME(T.Like);
        const pattern = this.SUBRULE5(this.additive, L.pattern);
        return { kind: 'like', negated: false, pattern };
      },
    },
  ];

  private arithmeticOperators = [
    { ALT: () => this.CONSUME(T.Plus, L.operators) },
    { ALT: () => this.CONSUME(T.Minus, L.operators) },
    { ALT: () => this.CONSUME(T.Concat, L.operators) },
    { ALT: () => this.CONSUME(T.Star, L.operators) },
    { ALT: () => this.CONSUME(T.Slash, L.operators) },
    { ALT: () => this.CONSUME(T.PercentSign, L.operators) },
  ];

  private signs = [{ ALT: () => this.CONSUME(T.Minus, L.sign) }, { ALT: () => this.CONSUME(T.Plus, L.sign) }];

  private optionalSign = (): IToken => this.OR(this.signs);

  private literals = [
    { ALT: (): A.Literal => this.literalOf(this.CONSUME(T.Integer)) },
    { ALT: (): A.Literal => this.literalOf(this.CONSUME(T.Decimal)) },
    { ALT: (): A.Literal => this.literalOf(this.CONSUME(T.StringLiteral)) },
    { ALT: (): A.Literal => this.literalOf(this.CONSUME(T.True)) },
    { ALT: (): A.Literal => this.literalOf(this.CONSUME(T.False)) },
    { ALT: (): A.Literal => this.literalOf(this.CONSUME(T.Null)) },
    {
      ALT: (): A.Literal => {
        const keyword = this.CONSUME(T.DateKw);
        return this.literalOf(keyword, this.CONSUME2(T.StringLiteral, L.date));
      },
    },
    {
      ALT: (): A.Literal => {
        const keyword = this.CONSUME(T.Timestamp);
        return this.literalOf(keyword, this.CONSUME3(T.StringLiteral, L.timestamp));
      },
    },
  ];

  private literalOf(t: IToken, str?: IToken): A.Literal {
    return this.RECORDING_PHASE ? NONE : this.builder.literal(t, str);
  }

  private unaryKinds = {
    DEF: [
      {
        ALT: (): A.Expr => {
          const sign = this.OR2(this.signs);
          const operand = this.SUBRULE(this.unary);
          return this.RECORDING_PHASE ? NONE : this.builder.sign(sign, operand);
        },
      },
      ...this.literals,
      { ALT: (): A.Expr => this.SUBRULE(this.caseExpression) },
      { ALT: (): A.Expr => this.SUBRULE(this.castExpression) },
      { ALT: (): A.Expr => this.SUBRULE(this.extractExpression) },
      {
        ALT: (): A.Expr => {
          const open = this.CONSUME(T.LParen);
          const inner = this.SUBRULE(this.expression);
          const close = this.CONSUME(T.RParen);
          return this.RECORDING_PHASE ? NONE : this.builder.paren(inner, open, close);
        },
      },
      {
        ALT: (): A.Expr => {
          const name = this.identifier(this.CONSUME(T.Name));
          const suffix = this.OPTION(this.nameSuffix);
          return this.RECORDING_PHASE ? NONE : this.builder.nameExpression(name, suffix, this.LA(0));
        },
      },
    ],
    ERR_MSG: 'an expression',
  };

  /** `.column` (an identifier) or the arguments of a call. */
  private nameSuffix = (): A.Identifier | CallArguments => this.OR3(this.nameSuffixes);

  private nameSuffixes = [
    {
      ALT: (): A.Identifier | CallArguments => {
        this.CONSUME(T.Dot);
        return this.identifier(this.CONSUME2(T.Name, L.column));
      },
    },
    {
      ALT: (): A.Identifier | CallArguments => {
        this.CONSUME2(T.LParen);
        const args = this.OPTION2(this.callArguments);
        this.CONSUME2(T.RParen);
        return args ?? { args: [], distinct: false, star: false };
      },
    },
  ];

  private callArguments = (): CallArguments => this.OR4(this.callArgumentKinds);

  private callArgumentKinds = [
    {
      ALT: (): CallArguments => {
        this.CONSUME(T.Star);
        return { args: [], distinct: false, star: true };
      },
    },
    {
      ALT: (): CallArguments => {
        const distinct = this.OPTION3(this.distinct) !== undefined;
        const args: A.Expr[] = [];
        this.AT_LEAST_ONE_SEP({
          SEP: T.Comma,
          DEF: () => {
            args.push(this.SUBRULE2(this.expression, L.args));
          },
        });
        return { args, distinct, star: false };
      },
    },
  ];
}

/** One shared instance: chevrotain parsers are reusable by resetting `input`. */
export const fsqlParser = new FsqlParser();
