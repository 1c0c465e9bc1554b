/**
 * Graph request paths and OData `$filter` expressions that are encoded by construction.
 *
 * A value can reach a Graph URL only through this module: `odataFilter` quotes every interpolated
 * value as an OData string literal (`'` → `''`), and `graphPath` percent-encodes every path value
 * and the whole `$filter` with encodeURIComponent. Both return classes with private constructors,
 * so a hand-built string is not accepted where a `GraphPath` or `ODataFilter` is required.
 *
 * Why encode ourselves: @microsoft/microsoft-graph-client 3.x `.filter()` and `.query()` put the
 * text into the URL as is (GraphRequest.createQueryString joins `key=value` without encoding), and
 * Graph form-decodes the query: a raw `+` arrives as a space, a raw `%27` as an apostrophe that ends
 * the literal, a raw `#` starts the fragment and a raw `&` starts a new parameter. The client's path
 * parser splits what we pass on `&` and the first `=` only, which fully encoded values never contain.
 */

const STATIC_FILTER_TEXT = /^[A-Za-z0-9_/:(), .$-]*$/;
const STATIC_PATH_TEXT = /^[A-Za-z0-9_/.$-]*$/;
const PROPERTY_NAME = /^[A-Za-z][A-Za-z0-9]*$/;

/** A `$filter` expression whose values are all quoted literals. Build with `odataFilter` / `odataOr`. */
export class ODataFilter {
  readonly #text: string;
  readonly #compound: boolean;

  private constructor(text: string, compound: boolean) {
    this.#text = text;
    this.#compound = compound;
  }

  /** The OData text (not URL-encoded). */
  get text(): string {
    return this.#text;
  }

  /** The tagged-template builder (exported as `odataFilter`); static text is checked, values quoted. */
  static fromTemplate(strings: TemplateStringsArray, values: readonly (string | ODataFilter)[]): ODataFilter {
    checkStatic(strings, STATIC_FILTER_TEXT, "odataFilter");
    let text = strings[0] ?? "";
    values.forEach((v, i) => {
      if (typeof v === "string") text += odataString(v);
      else if (v instanceof ODataFilter) text += v.operand;
      else throw new TypeError("odataFilter: values must be strings or ODataFilters");
      text += strings[i + 1] ?? "";
    });
    return new ODataFilter(text, / (and|or) /i.test(text));
  }

  /** `a or b or …` (exported as `odataOr`). */
  static anyOf(filters: readonly ODataFilter[]): ODataFilter {
    if (filters.length === 0) throw new TypeError("odataOr needs at least one filter");
    if (filters.length === 1) return filters[0] as ODataFilter;
    return new ODataFilter(filters.map((f) => f.operand).join(" or "), true);
  }

  /** The text, parenthesised when it combines clauses, for use inside a larger expression. */
  get operand(): string {
    return this.#compound ? `(${this.#text})` : this.#text;
  }
}

/** An OData string literal: `'` doubled, the whole value quoted. */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function checkStatic(strings: TemplateStringsArray, allowed: RegExp, what: string): void {
  if (!Array.isArray(strings.raw)) throw new TypeError(`${what} must be used as a tagged template`);
  for (const s of strings) {
    if (!allowed.test(s)) throw new TypeError(`${what}: the template text may not contain quotes or escapes`);
  }
}

/**
 * `odataFilter\`mail eq ${v}\`` → `mail eq 'v'`. Interpolated strings become quoted literals;
 * interpolated ODataFilters are inserted as (parenthesised) sub-expressions. The template text itself
 * may contain no quote, `%` or other escape, so it cannot smuggle a literal in.
 */
export function odataFilter(strings: TemplateStringsArray, ...values: (string | ODataFilter)[]): ODataFilter {
  return ODataFilter.fromTemplate(strings, values);
}

/** `a or b or …` of the given filters. */
export function odataOr(filters: readonly ODataFilter[]): ODataFilter {
  return ODataFilter.anyOf(filters);
}

export interface GraphQuery {
  filter?: ODataFilter;
  /** Property names (letters and digits only). */
  select?: readonly string[];
  top?: number;
  /** `$count=true` (advanced queries, with the ConsistencyLevel header). */
  count?: boolean;
  /** Navigation property names to `$expand` (letters and digits only), e.g. `extensions`. */
  expand?: readonly string[];
}

/** A Graph path (relative to the version, e.g. `/users/…?$filter=…`) with every value encoded. */
export class GraphPath {
  readonly #text: string;

  private constructor(text: string) {
    this.#text = text;
  }

  /** The tagged-template builder (exported as `graphPath`); static text is checked, values encoded. */
  static fromTemplate(strings: TemplateStringsArray, values: readonly string[]): GraphPath {
    checkStatic(strings, STATIC_PATH_TEXT, "graphPath");
    let text = strings[0] ?? "";
    values.forEach((v, i) => {
      if (typeof v !== "string" || v === "")
        throw new TypeError("graphPath: path values must be non-empty strings");
      text += encodeURIComponent(v);
      text += strings[i + 1] ?? "";
    });
    return new GraphPath(text);
  }

  get text(): string {
    return this.#text;
  }

  /** The same path with query options, each value percent-encoded. */
  withQuery(query: GraphQuery): GraphPath {
    const parts: string[] = [];
    if (query.filter !== undefined) parts.push(`$filter=${encodeURIComponent(query.filter.text)}`);
    if (query.select !== undefined && query.select.length > 0) {
      for (const p of query.select) {
        if (!PROPERTY_NAME.test(p)) throw new TypeError("graphPath: $select takes property names only");
      }
      parts.push(`$select=${query.select.join(",")}`);
    }
    if (query.top !== undefined) {
      if (!Number.isInteger(query.top) || query.top < 1 || query.top > 999)
        throw new TypeError("graphPath: $top must be an integer from 1 to 999");
      parts.push(`$top=${query.top}`);
    }
    if (query.count === true) parts.push("$count=true");
    if (query.expand !== undefined && query.expand.length > 0) {
      if (!query.expand.every((p) => PROPERTY_NAME.test(p)))
        throw new TypeError("graphPath: $expand takes navigation property names only");
      parts.push(`$expand=${query.expand.join(",")}`);
    }
    if (parts.length === 0) return this;
    const sep = this.#text.includes("?") ? "&" : "?";
    return new GraphPath(`${this.#text}${sep}${parts.join("&")}`);
  }

  /**
   * A server-given `@odata.nextLink`, accepted only on the configured Graph origin (the token is
   * never sent elsewhere) and kept exactly as the server encoded it.
   */
  static nextLink(link: string, graphBaseUrl: string): GraphPath {
    let url: URL;
    try {
      url = new URL(link);
    } catch {
      throw new TypeError("Microsoft Graph returned a nextLink that is not a URL");
    }
    if (url.origin !== new URL(graphBaseUrl).origin)
      throw new TypeError("Microsoft Graph returned a nextLink on another host");
    const path = url.pathname.replace(/^\/(v1\.0|beta)(?=\/)/, "");
    return new GraphPath(`${path}${url.search}`);
  }
}

/**
 * `graphPath\`/users/${id}/extensions/${name}\`` → each interpolated value encodeURIComponent-ed.
 * The template text may contain only path characters.
 */
export function graphPath(strings: TemplateStringsArray, ...values: string[]): GraphPath {
  return GraphPath.fromTemplate(strings, values);
}
