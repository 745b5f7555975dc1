/** Prints the SQL AST for one dialect. Every name is quoted and every literal escaped here. */
import type { SqlExpr, SqlFrom, SqlOrder, SqlQuery, SqlSelect, SqlStatement } from './ast.js';
import { UnsupportedError, type Dialect } from './dialect.js';

export class SqlPrinter {
  /**
   * `tables`: relations read from another table, under their own name as
   * alias (a computed view's temporary copy, `CompileOptions.tables`).
   */
  constructor(
    readonly dialect: Dialect,
    readonly tables?: ReadonlyMap<string, string>,
  ) {}

  /** The names of the parameters printed so far (what a statement must be given). */
  readonly parameters = new Set<string>();

  private id(name: string): string {
    return this.dialect.quoteIdentifier(name);
  }

  statement(s: SqlStatement): string {
    switch (s.k) {
      case 'query':
        return this.query(s.q, '');
      case 'create_view':
        return `CREATE VIEW ${this.id(s.name)} AS\n${this.query(s.q, '')}`;
      case 'create_table_as':
        return `CREATE TABLE ${this.id(s.name)} AS\n${this.query(s.q, '')}`;
      case 'create_index':
        return `CREATE INDEX IF NOT EXISTS ${this.id(s.name)} ON ${this.id(s.table)} (${s.columns.map((c) => this.id(c)).join(', ')})`;
    }
  }

  query(q: SqlQuery, indent: string): string {
    if (q.k === 'union') {
      const op = q.all ? ' ALL' : this.dialect.capabilities.unionDistinct ? ' DISTINCT' : '';
      return q.parts.map((p) => this.select(p, indent)).join(`\n${indent}UNION${op}\n`);
    }
    return this.select(q, indent);
  }

  private select(q: SqlSelect, indent: string): string {
    const lines: string[] = [];
    if (q.with && q.with.length > 0) {
      lines.push(
        `${indent}WITH ${q.with.map((w, i) => `${i === 0 ? '' : `${indent}`}${this.id(w.name)} AS ${w.materialized && this.dialect.capabilities.materializedCte ? 'MATERIALIZED ' : ''}(\n${this.query(w.q, `${indent}  `)}\n${indent})`).join(',\n')}`,
      );
    }
    const items = q.items.map((it) => (it.alias !== undefined ? `${this.expr(it.e)} AS ${this.id(it.alias)}` : this.expr(it.e)));
    const oneLine = items.join(', ');
    const hintText = q.mergeJoin && this.dialect.mergeJoinHint ? this.dialect.mergeJoinHint(q.mergeJoin.map((n) => this.id(n))) : '';
    const hint = hintText ? `${hintText} ` : '';
    lines.push(
      oneLine.length <= 100 && !oneLine.includes('\n')
        ? `${indent}SELECT ${hint}${q.distinct ? 'DISTINCT ' : ''}${oneLine}`
        : `${indent}SELECT ${hint}${q.distinct ? 'DISTINCT ' : ''}\n${items.map((i) => `${indent}  ${i}`).join(',\n')}`,
    );
    if (q.from) lines.push(`${indent}FROM ${this.from(q.from, indent)}`);
    for (const j of q.joins ?? []) {
      if (j.type === 'ASOF LEFT' && !this.dialect.capabilities.asofJoin) throw new UnsupportedError(this.dialect.name, 'ASOF JOIN');
      if (j.lateral && !this.dialect.capabilities.lateralJoin) throw new UnsupportedError(this.dialect.name, 'JOIN LATERAL');
      const type = j.type !== 'INNER' ? `${j.type} JOIN` : j.leftDrives && this.dialect.capabilities.forcedJoinOrder ? 'CROSS JOIN' : 'JOIN';
      lines.push(`${indent}${type} ${j.lateral ? 'LATERAL ' : ''}${this.from(j.from, indent)} ON ${this.expr(j.on)}`);
    }
    if (q.where) lines.push(`${indent}WHERE ${this.expr(q.where)}`);
    if (q.groupBy && q.groupBy.length > 0) lines.push(`${indent}GROUP BY ${q.groupBy.map((e) => this.expr(e)).join(', ')}`);
    if (q.having) lines.push(`${indent}HAVING ${this.expr(q.having)}`);
    if (q.orderBy && q.orderBy.length > 0) lines.push(`${indent}ORDER BY ${this.orderBy(q.orderBy)}`);
    if (q.limit !== undefined) {
      if (!Number.isSafeInteger(q.limit) || q.limit < 0) throw new Error(`not a row count: ${q.limit}`);
      lines.push(`${indent}LIMIT ${q.limit}`);
    }
    return lines.join('\n');
  }

  private from(f: SqlFrom, indent: string): string {
    if (f.k === 'table') {
      const table = this.tables?.get(f.name) ?? f.name;
      const alias = f.alias ?? f.name;
      return alias !== table ? `${this.id(table)} AS ${this.id(alias)}` : this.id(table);
    }
    return `(\n${this.query(f.q, `${indent}  `)}\n${indent}) AS ${this.id(f.alias)}`;
  }

  private orderBy(order: readonly SqlOrder[]): string {
    return order
      .flatMap((o) => {
        const e = this.expr(o.e);
        const dir = o.desc ? ' DESC' : '';
        if (this.dialect.capabilities.nullsOrdering) return [`${e}${dir} NULLS ${o.nulls === 'first' ? 'FIRST' : 'LAST'}`];
        // Emulate: a 0/1 key that puts NULLs where asked, then the value.
        const nullKey = `CASE WHEN ${e} IS NULL THEN ${o.nulls === 'first' ? 0 : 1} ELSE ${o.nulls === 'first' ? 1 : 0} END`;
        return [nullKey, `${e}${dir}`];
      })
      .join(', ');
  }

  /** Atoms print bare; anything with an operator inside another operator gets parentheses. */
  private operand(e: SqlExpr): string {
    const text = this.expr(e);
    switch (e.k) {
      case 'bin':
      case 'unary':
      case 'is_null':
      case 'in':
      case 'between':
      case 'like':
        return `(${text})`;
      default:
        return text;
    }
  }

  expr(e: SqlExpr): string {
    const d = this.dialect;
    const own = d.node?.(e, (x) => this.expr(x));
    if (own !== undefined) return own;
    switch (e.k) {
      case 'col':
        return e.table !== undefined ? `${this.id(e.table)}.${this.id(e.name)}` : this.id(e.name);
      case 'star':
        return e.table !== undefined ? `${this.id(e.table)}.*` : '*';
      case 'lit':
        return this.literal(e);
      case 'param':
        if (!this.dialect.capabilities.namedParameters) throw new UnsupportedError(this.dialect.name, 'bound parameters');
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(e.name)) throw new Error(`not a parameter name: ${e.name}`);
        this.parameters.add(e.name);
        return `@${e.name}`;
      case 'unary':
        if (e.op === 'NOT') return `NOT ${this.operand(e.e)}`;
        {
          const inner = this.operand(e.e);
          // Never print `--`, which starts a comment.
          return inner.startsWith('-') ? `-(${inner})` : `-${inner}`;
        }
      case 'bin': {
        const l = this.operand(e.l);
        const r = this.operand(e.r);
        if (e.op === '||') return d.functions['CONCAT']!([l, r]);
        if (e.op === '%') return d.functions['MOD']!([l, r]);
        return `${l} ${e.op} ${r}`;
      }
      case 'is_null':
        return `${this.operand(e.e)} IS ${e.negated ? 'NOT ' : ''}NULL`;
      case 'in':
        return `${this.operand(e.e)} ${e.negated ? 'NOT ' : ''}IN (${e.list.map((x) => this.expr(x)).join(', ')})`;
      case 'between':
        return `${this.operand(e.e)} ${e.negated ? 'NOT ' : ''}BETWEEN ${this.operand(e.low)} AND ${this.operand(e.high)}`;
      case 'like':
        if (d.like) return d.like(this.operand(e.e.k === 'binary_text' ? e.e.e : e.e), this.operand(e.pattern), e.negated);
        return `${this.operand(e.e)} ${e.negated ? 'NOT ' : ''}LIKE ${this.operand(e.pattern)}`;
      case 'case':
        return `CASE${e.operand ? ` ${this.expr(e.operand)}` : ''} ${e.whens.map((w) => `WHEN ${this.expr(w.when)} THEN ${this.expr(w.then)}`).join(' ')}${e.else ? ` ELSE ${this.expr(e.else)}` : ''} END`;
      case 'fn': {
        const spell = d.functions[e.name];
        if (!spell) throw new UnsupportedError(d.name, `function ${e.name}`);
        return spell(e.args.map((a) => this.expr(a)), e.argTypes);
      }
      case 'cast':
        return d.cast(this.expr(e.e), e.from, e.to);
      case 'extract':
        return d.extract(e.part, this.expr(e.e), e.from);
      case 'agg':
        if (d.aggregate) return d.aggregate(e.fn, e.arg ? this.expr(e.arg) : undefined, e.distinct, e.type);
        return `${e.fn}(${e.distinct ? 'DISTINCT ' : ''}${e.arg ? this.expr(e.arg) : '*'})`;
      case 'row_number':
        if (d.rowNumber) return d.rowNumber(this.window(e.partitionBy, e.orderBy));
        return `ROW_NUMBER() OVER (${this.window(e.partitionBy, e.orderBy)})`;
      case 'running_max':
        return `MAX(${this.expr(e.e)}) OVER (${this.window(e.partitionBy, e.orderBy)} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)`;
      case 'running_sum':
        return `SUM(${this.expr(e.e)}) OVER (${this.window(e.partitionBy, e.orderBy)} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)`;
      case 'framed': {
        if (!d.rangeOffset) throw new UnsupportedError(d.name, 'a RANGE window frame over a time');
        const start = e.precedingMicros === undefined ? 'UNBOUNDED PRECEDING' : `${d.rangeOffset(e.precedingMicros)} PRECEDING`;
        const end = e.excludeCurrent ? `${d.rangeOffset(1)} PRECEDING` : 'CURRENT ROW';
        return `${this.expr(e.agg)} OVER (${this.window(e.partitionBy, [{ e: e.order, desc: false, nulls: 'first' }])} RANGE BETWEEN ${start} AND ${end})`;
      }
      case 'lag':
        return `LAG(${this.expr(e.e)}) OVER (${this.window(e.partitionBy, e.orderBy)})`;
      case 'as_type':
        return `CAST(${this.expr(e.e)} AS ${d.types[e.type]})`;
      case 'subquery':
        return `(\n${this.query(e.q, '    ')}\n  )`;
      case 'time_minus':
        return d.timeMinus(this.operand(e.e), e.seconds);
      case 'date_to_timestamp':
        return d.dateToTimestamp(this.expr(e.e));
      case 'binary_text':
        return d.binaryText(this.operand(e.e));
    }
  }

  private window(partitionBy: readonly SqlExpr[], orderBy: readonly SqlOrder[]): string {
    const parts: string[] = [];
    if (partitionBy.length > 0) parts.push(`PARTITION BY ${partitionBy.map((p) => this.expr(p)).join(', ')}`);
    if (orderBy.length > 0) parts.push(`ORDER BY ${this.orderBy(orderBy)}`);
    return parts.join(' ');
  }

  private literal(e: Extract<SqlExpr, { k: 'lit' }>): string {
    const d = this.dialect;
    if (e.value === null) return e.type === 'NULL' ? 'NULL' : d.typedNull(e.type);
    switch (e.type) {
      case 'INTEGER':
        return String(e.value);
      case 'DOUBLE':
        return d.doubleLiteral(e.value as number);
      case 'BOOLEAN':
        return d.booleanLiteral(e.value as boolean);
      case 'TEXT':
        return d.quoteString(String(e.value));
      case 'TIMESTAMP':
        return d.timestampLiteral(e.value as number);
      case 'DATE':
        return d.dateLiteral(e.value as number);
      case 'NULL':
        return 'NULL';
    }
  }
}
