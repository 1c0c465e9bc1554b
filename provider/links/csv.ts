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

/**
 * Parses `text` (without a byte order mark) into records. `firstLine` is the line number of the
 * text's first character in the file it came from (default 1). A record whose fields are all empty
 * (a blank line) is skipped. A field with a quote that is not at its start, or text after a closing
 * quote, is a problem; the record is still returned as far as it could be read.
 */
export function parseCsv(text: string, firstLine = 1): CsvParseResult {
  const records: CsvRecord[] = [];
  const problems: CsvSyntaxProblem[] = [];
  let line = firstLine;
  let i = 0;
  const n = text.length;

  while (i < n) {
    const recordLine = line;
    const fields: string[] = [];
    let recordDone = false;
    while (!recordDone) {
      let value = "";
      if (text[i] === '"') {
        const quoteLine = line;
        i++;
        let closed = false;
        while (i < n) {
          const ch = text[i]!;
          if (ch === '"') {
            if (text[i + 1] === '"') {
              value += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (ch === "\n") line++;
          value += ch;
          i++;
        }
        if (!closed) {
          problems.push({ line: quoteLine, message: 'a quoted field is never closed (missing closing ").' });
        }
        // After the closing quote only a delimiter or the end of the record may follow.
        let junk = "";
        while (i < n && text[i] !== "," && text[i] !== "\n" && !(text[i] === "\r" && text[i + 1] === "\n")) {
          junk += text[i];
          i++;
        }
        if (junk !== "") {
          problems.push({
            line,
            message: `unexpected text ${excerpt(junk.slice(0, 20))} after a closing quote; quote the whole field and double any " inside it.`,
          });
          value += junk;
        }
      } else {
        let reported = false;
        while (i < n && text[i] !== "," && text[i] !== "\n" && !(text[i] === "\r" && text[i + 1] === "\n")) {
          if (text[i] === '"' && !reported) {
            reported = true;
            problems.push({
              line,
              message: 'a " inside an unquoted field; quote the whole field and write the quote as "".',
            });
          }
          value += text[i];
          i++;
        }
      }
      fields.push(value);
      if (i >= n) {
        recordDone = true;
      } else if (text[i] === ",") {
        i++;
        if (i >= n) fields.push("");
        if (i >= n) recordDone = true;
      } else {
        // "\n" or "\r\n"
        i += text[i] === "\r" ? 2 : 1;
        line++;
        recordDone = true;
      }
    }
    if (fields.some((f) => f !== "")) records.push({ line: recordLine, fields });
  }
  return { records, problems };
}
