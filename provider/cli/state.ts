/**
 * `ad-entra-link state (--stack <name> | --state <export.json>) [--link <name>]`: what each link of
 * a stack recorded, decoded. State stores it as one deflated string per link (link/packed.ts); this
 * prints it as JSON, one object per link: its name, its id, and its outputs as the provider reads
 * them (the declaration, the resolved objects, the prediction, both objects as last read, the
 * values `onDelete: restore` puts back). Reads nothing but the export.
 */
import { unpackOutputs } from "../link/packed";
import { type CliCommand, EXIT_FAILURE, EXIT_OK } from "./io";
import { parseExportArgs, readStackExport } from "./stack-export";

const USAGE = "state (--stack <name> | --state <pulumi-stack-export.json>) [--link <name>]";

interface StateResource {
  urn?: string;
  id?: string;
  type?: string;
  outputs?: Record<string, unknown>;
}

/** One link as the command prints it: its record decoded, or why it cannot be. */
interface DecodedLink {
  name: string;
  id?: string;
  outputs?: Record<string, unknown>;
  /** A record that does not decode (edited by hand): the others are still printed. */
  error?: string;
}

/** The decoded record of every UserLink of a stack export (or of the one named `only`). */
export function decodedLinks(doc: unknown, only?: string): DecodedLink[] {
  const resources = ((doc as { deployment?: { resources?: unknown[] } })?.deployment?.resources ??
    []) as StateResource[];
  const out: DecodedLink[] = [];
  for (const r of resources) {
    if (!r.type?.endsWith("ad-entra-link:UserLink") || r.urn === undefined) continue;
    const name = r.urn.split("::").pop() ?? r.urn;
    if (only !== undefined && name !== only) continue;
    const link: DecodedLink = { name, ...(r.id !== undefined ? { id: r.id } : {}) };
    try {
      const { __provider: _p, ...outputs } = unpackOutputs(r.outputs ?? {}) as unknown as Record<
        string,
        unknown
      >;
      out.push({ ...link, outputs });
    } catch (err) {
      out.push({ ...link, error: (err as Error).message });
    }
  }
  return out;
}

export const stateCommand: CliCommand = {
  name: "state",
  usage: USAGE,
  run(args, io) {
    const parsed = parseExportArgs("state", USAGE, args, io, { options: ["--link"] });
    if (typeof parsed === "number") return parsed;
    const only = parsed.values.get("--link");
    try {
      const doc = readStackExport(parsed.source);
      const links = decodedLinks(doc, only);
      if (only !== undefined && links.length === 0) {
        io.stderr(`ad-entra-link state: no link named ${only} in this stack\n`);
        return EXIT_FAILURE;
      }
      io.stdout(`${JSON.stringify(links, null, 2)}\n`);
      return EXIT_OK;
    } catch (err) {
      io.stderr(`ad-entra-link state: ${(err as Error).message}\n`);
      return EXIT_FAILURE;
    }
  },
};
