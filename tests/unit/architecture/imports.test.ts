/**
 * The import rules of provider/ (issue 11), read from the TypeScript sources: no import circle, no
 * import running up the floors below, `ldapts` only in provider/ad, Graph and identity clients only
 * in provider/entra. Type-only imports and `import("…")` types count: a circle of types is a circle.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import ts from "typescript";

const REPO_ROOT = path.resolve(__dirname, "..", "..", "..", "..");
const PROVIDER = path.join(REPO_ROOT, "provider");

/**
 * The rooms of provider/ (a folder, or a file directly in provider/) by floor, lowest first. A room
 * may import only from rooms on lower floors; a new room must be given a floor here.
 */
const FLOORS: readonly (readonly string[])[] = [
  ["domain", "errors", "log", "shared-attempt"],
  ["config", "core"],
  ["ad", "entra"],
  ["link", "bulk"],
  // status reads links' state in the shape link/packed.ts stores it.
  ["status"],
  ["confirm", "links"],
  ["discover", "session"],
  ["cli", "runtime"],
  ["resource"],
  ["run-summary"],
  ["index"],
];

/**
 * Upward imports known and accepted, each with its reason; any other fails. The join result is a
 * field of the link's outputs whose shape confirm/ owns (moving it below link/ is left to confirm/).
 */
const ACCEPTED_UPWARD: ReadonlyMap<string, string> = new Map([
  ["link/types.ts -> confirm/types.ts", "type of the joinResult output, defined by confirm/"],
]);

/** Packages only one room may import. */
const CONFINED: readonly { pattern: RegExp; room: string }[] = [
  { pattern: /^ldapts(\/|$)/, room: "ad" },
  { pattern: /^@azure\/identity(\/|$)/, room: "entra" },
  { pattern: /^@microsoft\/microsoft-graph-client(\/|$)/, room: "entra" },
];

interface Imports {
  /** provider-relative file → provider-relative files it imports. */
  local: Map<string, string[]>;
  /** provider-relative file → package specifiers it imports. */
  packages: Map<string, string[]>;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [full] : [];
  });
}

/** The file a relative specifier or the package's own name (`ad-entra-link/runtime`) resolves to. */
function resolveLocal(from: string, specifier: string): string | undefined {
  let target: string;
  if (specifier.startsWith(".")) target = path.resolve(path.dirname(from), specifier);
  else if (specifier === "ad-entra-link") target = path.join(PROVIDER, "index");
  else if (specifier.startsWith("ad-entra-link/")) target = path.join(PROVIDER, specifier.slice(14));
  else return undefined;
  for (const candidate of [`${target}.ts`, path.join(target, "index.ts")]) {
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`${path.relative(PROVIDER, from)}: cannot resolve ${specifier}`);
}

function readImports(): Imports {
  const local = new Map<string, string[]>();
  const packages = new Map<string, string[]>();
  for (const file of sourceFiles(PROVIDER)) {
    const info = ts.preProcessFile(fs.readFileSync(file, "utf8"), true, true);
    const rel = path.relative(PROVIDER, file);
    local.set(rel, []);
    packages.set(rel, []);
    for (const { fileName } of info.importedFiles) {
      const target = resolveLocal(file, fileName);
      if (target !== undefined) local.get(rel)!.push(path.relative(PROVIDER, target));
      else packages.get(rel)!.push(fileName);
    }
  }
  return { local, packages };
}

/** `ad/connection.ts` → `ad`; `runtime.ts` → `runtime`. */
export function roomOf(file: string): string {
  const parts = file.split(path.sep);
  return parts.length > 1 ? parts[0]! : parts[0]!.replace(/\.ts$/, "");
}

/** The import circles of a graph (strongly connected parts of more than one file, or a self-import). */
export function circles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const part: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      part.push(w);
    } while (w !== v);
    if (part.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(part.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** Imports that leave their room for a room on the same or a higher floor. */
export function upwardImports(
  graph: ReadonlyMap<string, readonly string[]>,
  floors: readonly (readonly string[])[],
): string[] {
  const floorOf = (room: string): number => floors.findIndex((f) => f.includes(room));
  const wrong: string[] = [];
  for (const [from, targets] of graph) {
    for (const to of targets) {
      const [a, b] = [roomOf(from), roomOf(to)];
      if (a !== b && floorOf(b) >= floorOf(a)) wrong.push(`${from} -> ${to}`);
    }
  }
  return wrong;
}

const imports = readImports();

describe("import rules of provider/", () => {
  test("the checker reads the real sources (sanity: known imports are seen)", () => {
    assert.ok(imports.local.size > 50, `only ${imports.local.size} files found under ${PROVIDER}`);
    assert.ok(imports.local.get(path.join("link", "engine.ts"))?.includes(path.join("link", "apply.ts")));
    assert.ok(imports.packages.get(path.join("ad", "connection.ts"))?.includes("ldapts"));
    assert.ok(imports.local.get("resource.ts")?.includes("runtime.ts"), "require of ad-entra-link/runtime");
  });

  test("the checks find what they look for (a circle, an upward import)", () => {
    const sample = new Map([
      [path.join("a", "x.ts"), [path.join("b", "y.ts")]],
      [path.join("b", "y.ts"), [path.join("a", "x.ts")]],
      ["c.ts", ["c.ts"]],
    ]);
    assert.deepEqual(circles(sample), [[path.join("a", "x.ts"), path.join("b", "y.ts")], ["c.ts"]]);
    assert.deepEqual(upwardImports(sample, [["b"], ["a"]]), [
      `${path.join("b", "y.ts")} -> ${path.join("a", "x.ts")}`,
    ]);
  });

  test("no import circle between files", () => {
    assert.deepEqual(circles(imports.local), []);
  });

  test("every room has a floor", () => {
    const rooms = new Set([...imports.local.keys()].map(roomOf));
    const unplaced = [...rooms].filter((r) => !FLOORS.some((f) => f.includes(r)));
    assert.deepEqual(unplaced, [], "give each new room of provider/ a floor in FLOORS");
  });

  test("no import runs up the floors (or sideways to another room of the same floor)", () => {
    const unexpected = upwardImports(imports.local, FLOORS).filter((i) => !ACCEPTED_UPWARD.has(i));
    assert.deepEqual(unexpected, []);
    // An accepted exception that no longer exists is removed from the list, so the list stays true.
    const current = new Set(upwardImports(imports.local, FLOORS));
    assert.deepEqual(
      [...ACCEPTED_UPWARD.keys()].filter((i) => !current.has(i)),
      [],
    );
  });

  test("ldapts only in provider/ad; Graph and identity clients only in provider/entra", () => {
    const wrong: string[] = [];
    for (const [file, specifiers] of imports.packages) {
      for (const s of specifiers) {
        const rule = CONFINED.find((c) => c.pattern.test(s));
        if (rule !== undefined && roomOf(file) !== rule.room) wrong.push(`${file} imports ${s}`);
      }
    }
    assert.deepEqual(wrong, []);
  });
});

test("the provider loads without the Graph SDK and @azure/identity: they load at the first Graph request", () => {
  // Most of the provider's load time; a bulk read loads them while the DC answers (cached-entra.ts).
  const runtime = path.join(REPO_ROOT, "dist", "provider", "runtime.js");
  const script = `require(${JSON.stringify(runtime)});
const loaded = Object.keys(require.cache);
const sdk = (p) => loaded.some((f) => f.includes(p));
console.log(JSON.stringify({ ldapts: sdk("/ldapts/"), graph: sdk("/@microsoft/microsoft-graph-client/"), identity: sdk("/@azure/identity/") }));`;
  const out = execFileSync(process.execPath, ["-e", script], { encoding: "utf8" });
  assert.deepEqual(JSON.parse(out.trim().split("\n").at(-1)!), {
    ldapts: true,
    graph: false,
    identity: false,
  });
});
