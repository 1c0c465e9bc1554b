/**
 * OData $filter parsing and evaluation for the subset directory objects support: eq ne gt ge lt le,
 * in, and/or/not, startsWith/endsWith, any/all lambdas on collections, string literals with ''
 * escaping, null/true/false, numbers and date(-time) literals. Keywords and function names are
 * case-insensitive (Graph accepts `NOT`, `OR`, `startsWith`, `startswith`).
 */

export type Literal = string | number | boolean | null | { date: string };

export type FilterExpr =
  | { kind: "and" | "or"; left: FilterExpr; right: FilterExpr }
  | { kind: "not"; expr: FilterExpr }
  | { kind: "cmp"; op: "eq" | "ne" | "gt" | "ge" | "lt" | "le"; path: string[]; value: Literal }
  | { kind: "in"; path: string[]; values: Literal[] }
  | { kind: "fn"; fn: "startswith" | "endswith"; path: string[]; value: string }
  | { kind: "lambda"; path: string[]; quantifier: "any" | "all"; variable: string; body: FilterExpr };

export class FilterSyntaxError extends Error {}

type Token =
  | { t: "ident"; v: string }
  | { t: "string"; v: string }
  | { t: "number"; v: number }
  | { t: "date"; v: string }
  | { t: "punct"; v: "(" | ")" | "," | ":" | "/" };

const DATE_RE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?/;

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "(" || c === ")" || c === "," || c === ":" || c === "/") {
      out.push({ t: "punct", v: c });
      i++;
      continue;
    }
    if (c === "'") {
      let v = "";
      i++;
      for (;;) {
        if (i >= src.length) throw new FilterSyntaxError("unterminated string literal");
        const ch = src[i] as string;
        if (ch === "'") {
          if (src[i + 1] === "'") {
            v += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += ch;
        i++;
      }
      out.push({ t: "string", v });
      continue;
    }
    const rest = src.slice(i);
    const date = DATE_RE.exec(rest);
    if (date && date[0].length > 4) {
      out.push({ t: "date", v: date[0] });
      i += date[0].length;
      continue;
    }
    const num = /^-?\d+(\.\d+)?/.exec(rest);
    if (num) {
      out.push({ t: "number", v: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    const ident = /^[A-Za-z_$][A-Za-z0-9_$.@#]*/.exec(rest);
    if (ident) {
      out.push({ t: "ident", v: ident[0] });
      i += ident[0].length;
      continue;
    }
    throw new FilterSyntaxError(`syntax error at position ${i} in '${src}'`);
  }
  return out;
}

const COMPARISON = new Set(["eq", "ne", "gt", "ge", "lt", "le"]);
const FUNCTIONS = new Set(["startswith", "endswith"]);

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): FilterExpr {
    const e = this.parseOr();
    if (this.pos !== this.tokens.length) throw new FilterSyntaxError("unexpected trailing input");
    return e;
  }

  private peek(offset = 0): Token | undefined {
    return this.tokens[this.pos + offset];
  }

  private isKeyword(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t !== undefined && t.t === "ident" && t.v.toLowerCase() === word;
  }

  private isPunct(p: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t !== undefined && t.t === "punct" && t.v === p;
  }

  private expectPunct(p: string): void {
    if (!this.isPunct(p)) throw new FilterSyntaxError(`expected '${p}'`);
    this.pos++;
  }

  private parseOr(): FilterExpr {
    let left = this.parseAnd();
    while (this.isKeyword("or")) {
      this.pos++;
      left = { kind: "or", left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): FilterExpr {
    let left = this.parseUnary();
    while (this.isKeyword("and")) {
      this.pos++;
      left = { kind: "and", left, right: this.parseUnary() };
    }
    return left;
  }

  private parseUnary(): FilterExpr {
    if (this.isKeyword("not")) {
      this.pos++;
      return { kind: "not", expr: this.parseUnary() };
    }
    return this.parsePrimary();
  }

  private parsePath(): string[] {
    const first = this.peek();
    if (!first || first.t !== "ident") throw new FilterSyntaxError("expected a property name");
    this.pos++;
    const path = [first.v];
    while (this.isPunct("/") && this.peek(1)?.t === "ident") {
      const next = this.peek(1) as { t: "ident"; v: string };
      const lower = next.v.toLowerCase();
      if ((lower === "any" || lower === "all") && this.isPunct("(", 2)) break;
      this.pos += 2;
      path.push(next.v);
    }
    return path;
  }

  private parseLiteral(): Literal {
    const t = this.peek();
    if (!t) throw new FilterSyntaxError("expected a literal");
    this.pos++;
    if (t.t === "string") return t.v;
    if (t.t === "number") return t.v;
    if (t.t === "date") return { date: t.v };
    if (t.t === "ident") {
      const lower = t.v.toLowerCase();
      if (lower === "null") return null;
      if (lower === "true") return true;
      if (lower === "false") return false;
    }
    throw new FilterSyntaxError("expected a literal");
  }

  private parsePrimary(): FilterExpr {
    if (this.isPunct("(")) {
      this.pos++;
      const e = this.parseOr();
      this.expectPunct(")");
      return e;
    }
    const head = this.peek();
    if (head?.t === "ident" && FUNCTIONS.has(head.v.toLowerCase()) && this.isPunct("(", 1)) {
      this.pos += 2;
      const path = this.parsePath();
      this.expectPunct(",");
      const value = this.parseLiteral();
      this.expectPunct(")");
      if (typeof value !== "string") throw new FilterSyntaxError(`${head.v} needs a string literal`);
      return { kind: "fn", fn: head.v.toLowerCase() as "startswith" | "endswith", path, value };
    }
    const path = this.parsePath();
    if (this.isPunct("/")) {
      this.pos++;
      const q = this.peek();
      if (!q || q.t !== "ident") throw new FilterSyntaxError("expected any or all");
      const quantifier = q.v.toLowerCase();
      if (quantifier !== "any" && quantifier !== "all") throw new FilterSyntaxError("expected any or all");
      this.pos++;
      this.expectPunct("(");
      const v = this.peek();
      if (!v || v.t !== "ident") throw new FilterSyntaxError("expected a lambda variable");
      this.pos++;
      this.expectPunct(":");
      const body = this.parseOr();
      this.expectPunct(")");
      return { kind: "lambda", path, quantifier, variable: v.v, body };
    }
    const op = this.peek();
    if (op?.t === "ident" && COMPARISON.has(op.v.toLowerCase())) {
      this.pos++;
      return { kind: "cmp", op: op.v.toLowerCase() as "eq", path, value: this.parseLiteral() };
    }
    if (op?.t === "ident" && op.v.toLowerCase() === "in") {
      this.pos++;
      this.expectPunct("(");
      const values: Literal[] = [this.parseLiteral()];
      while (this.isPunct(",")) {
        this.pos++;
        values.push(this.parseLiteral());
      }
      this.expectPunct(")");
      return { kind: "in", path, values };
    }
    throw new FilterSyntaxError(`expected an operator after '${path.join("/")}'`);
  }
}

export function parseFilter(src: string): FilterExpr {
  return new Parser(tokenize(src)).parse();
}

export interface EvalContext {
  /** Value of a property path on the current object (path[0] may be a lambda variable). */
  get(path: string[], vars: ReadonlyMap<string, unknown>): unknown;
  /** Whether string comparisons on this path are case-sensitive (directory strings are not, anchors are). */
  caseSensitive(path: string[], vars: ReadonlyMap<string, unknown>): boolean;
}

function literalValue(l: Literal): string | number | boolean | null {
  return l !== null && typeof l === "object" ? l.date : l;
}

function equals(v: unknown, lit: Literal, caseSensitive: boolean): boolean {
  const l = literalValue(lit);
  if (l === null) return v === null || v === undefined;
  if (typeof v === "string" && typeof l === "string")
    return caseSensitive ? v === l : v.toLowerCase() === l.toLowerCase();
  return v === l;
}

function order(v: unknown, lit: Literal, caseSensitive: boolean): number | undefined {
  const l = literalValue(lit);
  if (v === null || v === undefined || l === null) return undefined;
  if (typeof v === "string" && typeof l === "string") {
    const a = caseSensitive ? v : v.toLowerCase();
    const b = caseSensitive ? l : l.toLowerCase();
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (typeof v === "number" && typeof l === "number") return v - l;
  return undefined;
}

export function evaluate(
  expr: FilterExpr,
  ctx: EvalContext,
  vars: ReadonlyMap<string, unknown> = new Map(),
): boolean {
  switch (expr.kind) {
    case "and":
      return evaluate(expr.left, ctx, vars) && evaluate(expr.right, ctx, vars);
    case "or":
      return evaluate(expr.left, ctx, vars) || evaluate(expr.right, ctx, vars);
    case "not":
      return !evaluate(expr.expr, ctx, vars);
    case "cmp": {
      const v = ctx.get(expr.path, vars);
      const cs = ctx.caseSensitive(expr.path, vars);
      if (expr.op === "eq") return equals(v, expr.value, cs);
      if (expr.op === "ne") return !equals(v, expr.value, cs);
      const o = order(v, expr.value, cs);
      if (o === undefined) return false;
      return expr.op === "gt" ? o > 0 : expr.op === "ge" ? o >= 0 : expr.op === "lt" ? o < 0 : o <= 0;
    }
    case "in": {
      const v = ctx.get(expr.path, vars);
      const cs = ctx.caseSensitive(expr.path, vars);
      return expr.values.some((l) => equals(v, l, cs));
    }
    case "fn": {
      const v = ctx.get(expr.path, vars);
      if (typeof v !== "string") return false;
      const cs = ctx.caseSensitive(expr.path, vars);
      const a = cs ? v : v.toLowerCase();
      const b = cs ? expr.value : expr.value.toLowerCase();
      return expr.fn === "startswith" ? a.startsWith(b) : a.endsWith(b);
    }
    case "lambda": {
      const coll = ctx.get(expr.path, vars);
      const items = Array.isArray(coll) ? coll : [];
      const test = (item: unknown): boolean => {
        const inner = new Map(vars);
        inner.set(expr.variable, item);
        return evaluate(expr.body, ctx, inner);
      };
      return expr.quantifier === "any" ? items.some(test) : items.every(test);
    }
  }
}
