/**
 * The fsql parser: a chevrotain CST parser with no semantic actions. The CST
 * is turned into the typed AST by src/syntax/build.ts.
 *
 * Error recovery happens one level up (src/syntax/parse.ts): a file is split
 * into statements at `;`, and each is parsed on its own, so one run reports the
 * first error of every statement.
 */
import { CstParser, type CstNode, type IParserErrorMessageProvider, type IToken, type TokenType } from 'chevrotain';
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

export class FsqlParser extends CstParser {
  constructor() {
    super(T.allTokens, {
      maxLookahead: 3,
      recoveryEnabled: false,
      // Offsets only: the AST builder derives lines and columns from a line index.
      nodeLocationTracking: 'onlyOffset',
      errorMessageProvider: errorMessages,
    });
    this.performSelfAnalysis();
  }

  /** A whole file, for the railroad diagrams; parse.ts parses statement by statement. */
  public file = this.RULE('file', () => {
    this.MANY(() => this.SUBRULE(this.statement));
  });

  public statement = this.RULE('statement', () => {
    this.CONSUME(T.Create);
    this.OR({
      DEF: [
        { ALT: () => this.SUBRULE(this.entity) },
        { ALT: () => this.SUBRULE(this.source) },
        { ALT: () => this.SUBRULE(this.view) },
        { ALT: () => this.SUBRULE(this.feature) },
        { ALT: () => this.SUBRULE(this.label) },
        { ALT: () => this.SUBRULE(this.trainingSet) },
      ],
      ERR_MSG: 'ENTITY, SOURCE, VIEW, FEATURE, LABEL or TRAINING SET after CREATE',
    });
    this.CONSUME(T.Semicolon);
  });

  // ---- CREATE ENTITY -------------------------------------------------------

  public entity = this.RULE('entity', () => {
    this.CONSUME(T.Entity);
    this.SUBRULE(this.name);
    this.CONSUME(T.Key);
    this.SUBRULE(this.columnList);
    this.MANY(() => this.SUBRULE(this.metaClause));
  });

  public columnList = this.RULE('columnList', () => {
    this.CONSUME(T.LParen);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.columnDef) });
    this.CONSUME(T.RParen);
  });

  public columnDef = this.RULE('columnDef', () => {
    this.SUBRULE(this.name);
    this.SUBRULE(this.typeName);
    this.OPTION(() => {
      this.CONSUME(T.Not);
      this.CONSUME(T.Null);
    });
  });

  /** A type is a name (checked against the type list when building the AST), with optional ignored size: VARCHAR(255). */
  public typeName = this.RULE('typeName', () => {
    this.SUBRULE(this.name);
    this.OPTION(() => {
      this.CONSUME(T.LParen);
      this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.CONSUME(T.Integer) });
      this.CONSUME(T.RParen);
    });
  });

  public metaClause = this.RULE('metaClause', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Description);
          this.CONSUME(T.StringLiteral, { LABEL: 'description' });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Owner);
          this.CONSUME2(T.StringLiteral, { LABEL: 'owner' });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Tags);
          this.CONSUME(T.LParen);
          this.MANY_SEP({ SEP: T.Comma, DEF: () => this.CONSUME3(T.StringLiteral, { LABEL: 'tag' }) });
          this.CONSUME(T.RParen);
        },
      },
    ]);
  });

  // ---- CREATE SOURCE -------------------------------------------------------

  public source = this.RULE('source', () => {
    this.CONSUME(T.Source);
    this.SUBRULE(this.name);
    this.SUBRULE(this.columnList);
    this.CONSUME(T.From);
    this.SUBRULE(this.origin);
    this.MANY(() => {
      this.OR([{ ALT: () => this.SUBRULE(this.eventTime) }, { ALT: () => this.SUBRULE(this.metaClause) }]);
    });
  });

  public origin = this.RULE('origin', () => {
    this.OR({
      DEF: [
        {
          ALT: () => {
            this.CONSUME(T.File);
            this.CONSUME(T.StringLiteral);
            this.OPTION(() => {
              this.CONSUME(T.Format);
              this.SUBRULE(this.name, { LABEL: 'format' });
            });
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.Table);
            this.AT_LEAST_ONE_SEP({ SEP: T.Dot, DEF: () => this.SUBRULE2(this.name, { LABEL: 'table' }) });
          },
        },
        { ALT: () => this.CONSUME(T.Stream) },
      ],
      ERR_MSG: "FILE 'path', TABLE name or STREAM",
    });
  });

  public eventTime = this.RULE('eventTime', () => {
    this.CONSUME(T.Event);
    this.CONSUME(T.Time);
    this.SUBRULE(this.name);
  });

  // ---- CREATE VIEW ---------------------------------------------------------

  public view = this.RULE('view', () => {
    this.CONSUME(T.View);
    this.SUBRULE(this.name);
    this.MANY(() => {
      this.OR([{ ALT: () => this.SUBRULE(this.eventTime) }, { ALT: () => this.SUBRULE(this.metaClause) }]);
    });
    this.CONSUME(T.As);
    this.SUBRULE(this.select);
  });

  // ---- CREATE FEATURE / LABEL ----------------------------------------------

  public feature = this.RULE('feature', () => {
    this.CONSUME(T.Feature);
    this.SUBRULE(this.name);
    this.OPTION(() => this.SUBRULE(this.version));
    this.SUBRULE(this.entityBinding);
    this.CONSUME(T.From);
    this.SUBRULE2(this.name, { LABEL: 'from' });
    this.CONSUME(T.As);
    this.SUBRULE(this.expression);
    this.MANY(() => this.SUBRULE(this.featureClause));
  });

  public version = this.RULE('version', () => {
    this.CONSUME(T.Version);
    this.CONSUME(T.Integer);
  });

  public entityBinding = this.RULE('entityBinding', () => {
    this.CONSUME(T.Entity);
    this.SUBRULE(this.name);
    this.OPTION(() => {
      this.CONSUME(T.On);
      this.SUBRULE(this.nameList);
    });
  });

  public nameList = this.RULE('nameList', () => {
    this.CONSUME(T.LParen);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.name) });
    this.CONSUME(T.RParen);
  });

  public featureClause = this.RULE('featureClause', () => {
    this.OR({
      DEF: [
        { ALT: () => this.SUBRULE(this.whereClause) },
        {
          ALT: () => {
            this.CONSUME(T.Window);
            this.SUBRULE(this.duration, { LABEL: 'window' });
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.Ttl);
            this.SUBRULE2(this.duration, { LABEL: 'ttl' });
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.Fill);
            this.SUBRULE(this.fillValue);
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.Scale);
            this.SUBRULE(this.name, { LABEL: 'scale' });
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.OneHot);
            this.SUBRULE(this.oneHotSpec);
          },
        },
        { ALT: () => this.SUBRULE(this.metaClause) },
      ],
      ERR_MSG: 'a feature clause (WHERE, WINDOW, TTL, FILL, SCALE, ONE_HOT, DESCRIPTION, OWNER, TAGS) or \';\'',
    });
  });

  public whereClause = this.RULE('whereClause', () => {
    this.CONSUME(T.Where);
    this.SUBRULE(this.expression);
  });

  public duration = this.RULE('duration', () => {
    this.CONSUME(T.Integer);
    this.SUBRULE(this.name, { LABEL: 'unit' });
  });

  public fillValue = this.RULE('fillValue', () => {
    this.OR({
      DEF: [{ ALT: () => this.SUBRULE(this.signedLiteral) }, { ALT: () => this.SUBRULE(this.name) }],
      ERR_MSG: 'MEAN, MEDIAN, MODE, ZERO or a literal value',
    });
  });

  public oneHotSpec = this.RULE('oneHotSpec', () => {
    this.OR({
      DEF: [
        {
          ALT: () => {
            this.CONSUME(T.Top);
            this.CONSUME(T.Integer);
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.LParen);
            this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.signedLiteral) });
            this.CONSUME(T.RParen);
          },
        },
      ],
      ERR_MSG: "TOP n or a list of values ('a', 'b')",
    });
  });

  public label = this.RULE('label', () => {
    this.CONSUME(T.Label);
    this.SUBRULE(this.name);
    this.OPTION(() => this.SUBRULE(this.version));
    this.SUBRULE(this.entityBinding);
    this.CONSUME(T.From);
    this.SUBRULE2(this.name, { LABEL: 'from' });
    this.CONSUME(T.As);
    this.SUBRULE(this.expression);
    this.MANY(() => {
      this.OR({
        DEF: [{ ALT: () => this.SUBRULE(this.whereClause) }, { ALT: () => this.SUBRULE(this.metaClause) }],
        ERR_MSG: "WHERE, DESCRIPTION, OWNER, TAGS or ';'",
      });
    });
  });

  // ---- CREATE TRAINING SET -------------------------------------------------

  public trainingSet = this.RULE('trainingSet', () => {
    this.CONSUME(T.Training);
    this.CONSUME(T.Set);
    this.SUBRULE(this.name);
    this.OPTION(() => this.SUBRULE(this.version));
    this.CONSUME(T.Label);
    this.SUBRULE(this.versionedRef, { LABEL: 'label' });
    this.CONSUME(T.Features);
    this.CONSUME(T.LParen);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE2(this.versionedRef, { LABEL: 'features' }) });
    this.CONSUME(T.RParen);
    this.MANY(() => {
      this.OR({
        DEF: [{ ALT: () => this.SUBRULE(this.sample) }, { ALT: () => this.SUBRULE(this.metaClause) }],
        ERR_MSG: "SAMPLE, DESCRIPTION, OWNER, TAGS or ';'",
      });
    });
  });

  public versionedRef = this.RULE('versionedRef', () => {
    this.SUBRULE(this.name);
    this.OPTION(() => this.SUBRULE(this.version));
  });

  public sample = this.RULE('sample', () => {
    this.CONSUME(T.Sample);
    this.OR([{ ALT: () => this.CONSUME(T.Integer) }, { ALT: () => this.CONSUME(T.Decimal) }]);
    this.CONSUME(T.Percent);
    this.OPTION(() => {
      this.CONSUME(T.Seed);
      this.CONSUME2(T.Integer, { LABEL: 'seed' });
    });
  });

  // ---- SELECT (views) ------------------------------------------------------

  public select = this.RULE('select', () => {
    this.CONSUME(T.Select);
    this.OPTION(() => this.CONSUME(T.Distinct));
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.selectItem) });
    this.CONSUME(T.From);
    this.SUBRULE(this.tableRef);
    this.MANY(() => this.SUBRULE(this.join));
    this.OPTION2(() => this.SUBRULE(this.whereClause));
    this.OPTION3(() => {
      this.CONSUME(T.Group);
      this.CONSUME(T.By);
      this.AT_LEAST_ONE_SEP2({ SEP: T.Comma, DEF: () => this.SUBRULE(this.expression, { LABEL: 'groupBy' }) });
    });
    this.OPTION4(() => {
      this.CONSUME(T.Having);
      this.SUBRULE2(this.expression, { LABEL: 'having' });
    });
  });

  public selectItem = this.RULE('selectItem', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Star) },
      {
        GATE: () => this.LA(2).tokenType === T.Dot && this.LA(3).tokenType === T.Star,
        ALT: () => {
          this.SUBRULE(this.name, { LABEL: 'table' });
          this.CONSUME(T.Dot);
          this.CONSUME2(T.Star);
        },
      },
      {
        ALT: () => {
          this.SUBRULE(this.expression);
          this.OPTION(() => {
            this.OPTION2(() => this.CONSUME(T.As));
            this.SUBRULE2(this.name, { LABEL: 'alias' });
          });
        },
      },
    ]);
  });

  public tableRef = this.RULE('tableRef', () => {
    this.SUBRULE(this.name);
    this.OPTION(() => {
      this.OPTION2(() => this.CONSUME(T.As));
      this.SUBRULE2(this.name, { LABEL: 'alias' });
    });
  });

  public join = this.RULE('join', () => {
    this.OPTION(() => {
      this.OR([
        {
          ALT: () => {
            this.CONSUME(T.Left);
            this.OPTION2(() => this.CONSUME(T.Outer));
          },
        },
        { ALT: () => this.CONSUME(T.Inner) },
      ]);
    });
    this.CONSUME(T.Join);
    this.SUBRULE(this.tableRef);
    this.CONSUME(T.On);
    this.SUBRULE(this.expression);
  });

  // ---- Expressions ---------------------------------------------------------

  public expression = this.RULE('expression', () => {
    this.SUBRULE(this.andExpression, { LABEL: 'operands' });
    this.MANY(() => {
      this.CONSUME(T.Or, { LABEL: 'operators' });
      this.SUBRULE2(this.andExpression, { LABEL: 'operands' });
    });
  });

  public andExpression = this.RULE('andExpression', () => {
    this.SUBRULE(this.notExpression, { LABEL: 'operands' });
    this.MANY(() => {
      this.CONSUME(T.And, { LABEL: 'operators' });
      this.SUBRULE2(this.notExpression, { LABEL: 'operands' });
    });
  });

  public notExpression = this.RULE('notExpression', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Not);
          this.SUBRULE(this.notExpression);
        },
      },
      { ALT: () => this.SUBRULE(this.predicate) },
    ]);
  });

  public predicate = this.RULE('predicate', () => {
    this.SUBRULE(this.additive, { LABEL: 'operand' });
    this.OPTION(() => {
      this.OR([
        {
          ALT: () => {
            this.OR2([
              { ALT: () => this.CONSUME(T.Equals, { LABEL: 'comparison' }) },
              { ALT: () => this.CONSUME(T.NotEquals, { LABEL: 'comparison' }) },
              { ALT: () => this.CONSUME(T.Less, { LABEL: 'comparison' }) },
              { ALT: () => this.CONSUME(T.LessEquals, { LABEL: 'comparison' }) },
              { ALT: () => this.CONSUME(T.Greater, { LABEL: 'comparison' }) },
              { ALT: () => this.CONSUME(T.GreaterEquals, { LABEL: 'comparison' }) },
            ]);
            this.SUBRULE2(this.additive, { LABEL: 'right' });
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.Is);
            this.OPTION2(() => this.CONSUME(T.Not, { LABEL: 'isNot' }));
            this.CONSUME(T.Null);
          },
        },
        {
          ALT: () => {
            this.OPTION3(() => this.CONSUME2(T.Not, { LABEL: 'negated' }));
            this.OR3([
              {
                ALT: () => {
                  this.CONSUME(T.In);
                  this.CONSUME(T.LParen);
                  this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.expression, { LABEL: 'list' }) });
                  this.CONSUME(T.RParen);
                },
              },
              {
                ALT: () => {
                  this.CONSUME(T.Between);
                  this.SUBRULE3(this.additive, { LABEL: 'low' });
                  this.CONSUME(T.And);
                  this.SUBRULE4(this.additive, { LABEL: 'high' });
                },
              },
              {
                ALT: () => {
                  this.CONSUME(T.Like);
                  this.SUBRULE5(this.additive, { LABEL: 'pattern' });
                },
              },
            ]);
          },
        },
      ]);
    });
  });

  public additive = this.RULE('additive', () => {
    this.SUBRULE(this.multiplicative, { LABEL: 'operands' });
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.Plus, { LABEL: 'operators' }) },
        { ALT: () => this.CONSUME(T.Minus, { LABEL: 'operators' }) },
        { ALT: () => this.CONSUME(T.Concat, { LABEL: 'operators' }) },
      ]);
      this.SUBRULE2(this.multiplicative, { LABEL: 'operands' });
    });
  });

  public multiplicative = this.RULE('multiplicative', () => {
    this.SUBRULE(this.unary, { LABEL: 'operands' });
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.Star, { LABEL: 'operators' }) },
        { ALT: () => this.CONSUME(T.Slash, { LABEL: 'operators' }) },
        { ALT: () => this.CONSUME(T.PercentSign, { LABEL: 'operators' }) },
      ]);
      this.SUBRULE2(this.unary, { LABEL: 'operands' });
    });
  });

  public unary = this.RULE('unary', () => {
    this.OR({
      ERR_MSG: 'an expression',
      DEF: [
      {
        ALT: () => {
          this.OR2([
            { ALT: () => this.CONSUME(T.Minus, { LABEL: 'sign' }) },
            { ALT: () => this.CONSUME(T.Plus, { LABEL: 'sign' }) },
          ]);
          this.SUBRULE(this.unary);
        },
      },
      { ALT: () => this.SUBRULE(this.primary) },
      ],
    });
  });

  public primary = this.RULE('primary', () => {
    this.OR({
      DEF: [
        { ALT: () => this.SUBRULE(this.literal) },
        { ALT: () => this.SUBRULE(this.caseExpression) },
        { ALT: () => this.SUBRULE(this.castExpression) },
        { ALT: () => this.SUBRULE(this.extractExpression) },
        {
          ALT: () => {
            this.CONSUME(T.LParen);
            this.SUBRULE(this.expression);
            this.CONSUME(T.RParen);
          },
        },
        { ALT: () => this.SUBRULE(this.nameExpression) },
      ],
      ERR_MSG: 'an expression',
    });
  });

  public literal = this.RULE('literal', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Integer) },
      { ALT: () => this.CONSUME(T.Decimal) },
      { ALT: () => this.CONSUME(T.StringLiteral) },
      { ALT: () => this.CONSUME(T.True) },
      { ALT: () => this.CONSUME(T.False) },
      { ALT: () => this.CONSUME(T.Null) },
      {
        ALT: () => {
          this.CONSUME(T.DateKw);
          this.CONSUME2(T.StringLiteral, { LABEL: 'date' });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Timestamp);
          this.CONSUME3(T.StringLiteral, { LABEL: 'timestamp' });
        },
      },
    ]);
  });

  /** A literal that may carry a sign: FILL -1, ONE_HOT (-1, 0, 1). */
  public signedLiteral = this.RULE('signedLiteral', () => {
    this.OPTION(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.Minus, { LABEL: 'sign' }) },
        { ALT: () => this.CONSUME(T.Plus, { LABEL: 'sign' }) },
      ]);
    });
    this.SUBRULE(this.literal);
  });

  public nameExpression = this.RULE('nameExpression', () => {
    this.SUBRULE(this.name);
    this.OPTION(() => {
      this.OR([
        {
          ALT: () => {
            this.CONSUME(T.Dot);
            this.SUBRULE2(this.name, { LABEL: 'column' });
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.LParen);
            this.OPTION2(() => {
              this.OR2([
                { ALT: () => this.CONSUME(T.Star) },
                {
                  ALT: () => {
                    this.OPTION3(() => this.CONSUME(T.Distinct));
                    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.expression, { LABEL: 'args' }) });
                  },
                },
              ]);
            });
            this.CONSUME(T.RParen);
          },
        },
      ]);
    });
  });

  public caseExpression = this.RULE('caseExpression', () => {
    this.CONSUME(T.Case);
    this.OPTION(() => this.SUBRULE(this.expression, { LABEL: 'operand' }));
    this.AT_LEAST_ONE(() => {
      this.CONSUME(T.When);
      this.SUBRULE2(this.expression, { LABEL: 'when' });
      this.CONSUME(T.Then);
      this.SUBRULE3(this.expression, { LABEL: 'then' });
    });
    this.OPTION2(() => {
      this.CONSUME(T.Else);
      this.SUBRULE4(this.expression, { LABEL: 'else' });
    });
    this.CONSUME(T.End);
  });

  public castExpression = this.RULE('castExpression', () => {
    this.CONSUME(T.Cast);
    this.CONSUME(T.LParen);
    this.SUBRULE(this.expression);
    this.CONSUME(T.As);
    this.SUBRULE(this.typeName);
    this.CONSUME(T.RParen);
  });

  public extractExpression = this.RULE('extractExpression', () => {
    this.CONSUME(T.Extract);
    this.CONSUME(T.LParen);
    this.SUBRULE(this.name, { LABEL: 'part' });
    this.CONSUME(T.From);
    this.SUBRULE(this.expression);
    this.CONSUME(T.RParen);
  });

  /** Any identifier, quoted identifier or contextual keyword. */
  public name = this.RULE('name', () => {
    this.CONSUME(T.Name);
  });
}

/** One shared instance: chevrotain parsers are reusable by resetting `input`. */
export const fsqlParser = new FsqlParser();

export type { CstNode };
