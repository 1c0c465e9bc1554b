/**
 * A small RFC 4180 CSV reader that keeps line numbers: quoted fields, `""` escapes, commas and line
 * breaks inside quotes, CRLF or LF record ends. Pure; problems are returned, not thrown, so a links
 * file reports all of them at once.
 */
import { excerpt } from "./excerpt";

/** One record (row) of a CSV text. */
export interface CsvRecord {
  /** 1-based line the record starts on. */
  line: number;
  fields: string[];
}

/** A syntax problem, with the 1-based line it starts on. */
export interface CsvSyntaxProblem {
  line: number;
  message: string;
}

export interface CsvParseResult {
  records: CsvRecord[];
  problems: CsvSyntaxProblem[];
}

/** Where the reader is in the text; fields are read by advancing it. */
interface Cursor {
  readonly text: string;
  i: number;
  line: number;
  readonly problems: CsvSyntaxProblem[];
}

/** At a delimiter (`,`), a record end (`\n` or `\r\n`) or the end of the text. */
function atFieldEnd(c: Cursor): boolean {
  const { text, i } = c;
  return (
    i >= text.length || text[i] === "," || text[i] === "\n" || (text[i] === "\r" && text[i + 1] === "\n")
  );
}

/** A quoted field, from its opening quote; `""` is a quote, line breaks inside are kept. */
function readQuotedField(c: Cursor): string {
  const { text } = c;
  const quoteLine = c.line;
  let value = "";
  c.i++;
  let closed = false;
  while (c.i < text.length) {
    const ch = text[c.i]!;
    if (ch === '"') {
      if (text[c.i + 1] === '"') {
        value += '"';
        c.i += 2;
        continue;
      }
      c.i++;
      closed = true;
      break;
    }
    if (ch === "\n") c.line++;
    value += ch;
    c.i++;
  }
  if (!closed) {
    c.problems.push({ line: quoteLine, message: 'a quoted field is never closed (missing closing ").' });
  }
  // After the closing quote only a delimiter or the end of the record may follow.
  let junk = "";
  while (!atFieldEnd(c)) {
    junk += text[c.i];
    c.i++;
  }
  if (junk !== "") {
    c.problems.push({
      line: c.line,
      message: `unexpected text ${excerpt(junk.slice(0, 20))} after a closing quote; quote the whole field and double any " inside it.`,
    });
    value += junk;
  }
  return value;
}

/** An unquoted field; a quote inside it is kept and reported once. */
function readUnquotedField(c: Cursor): string {
  let value = "";
  let reported = false;
  while (!atFieldEnd(c)) {
    if (c.text[c.i] === '"' && !reported) {
      reported = true;
      c.problems.push({
        line: c.line,
        message: 'a " inside an unquoted field; quote the whole field and write the quote as "".',
      });
    }
    value += c.text[c.i];
    c.i++;
  }
  return value;
}

/** The fields of one record, leaving the cursor after its end. */
function readRecord(c: Cursor): string[] {
  const { text } = c;
  const n = text.length;
  const fields: string[] = [];
  for (;;) {
    fields.push(text[c.i] === '"' ? readQuotedField(c) : readUnquotedField(c));
    if (c.i >= n) return fields;
    if (text[c.i] === ",") {
      c.i++;
      if (c.i >= n) {
        fields.push("");
        return fields;
      }
    } else {
      // "\n" or "\r\n"
      c.i += text[c.i] === "\r" ? 2 : 1;
      c.line++;
      return fields;
    }
  }
}

/**
 * Parses `text` (without a byte order mark) into records. `firstLine` is the line number of the
 * text's first character in the file it came from (default 1). A record whose fields are all empty
 * (a blank line) is skipped. A field with a quote that is not at its start, or text after a closing
 * quote, is a problem; the record is still returned as far as it could be read.
 */
export function parseCsv(text: string, firstLine = 1): CsvParseResult {
  const records: CsvRecord[] = [];
  const cursor: Cursor = { text, i: 0, line: firstLine, problems: [] };
  while (cursor.i < text.length) {
    const recordLine = cursor.line;
    const fields = readRecord(cursor);
    if (fields.some((f) => f !== "")) records.push({ line: recordLine, fields });
  }
  return { records, problems: cursor.problems };
}
