/**
 * `ad-entra-link state (--stack <name> | --state <export.json>) [--link <name>]`: what each link of
 * a stack recorded, decoded. State stores it as one deflated string per link (link/packed.ts); this
 * prints it as JSON, one object per link: its name, its id, and its outputs as the provider reads
 * them (the declaration, the resolved objects, the prediction, both objects as last read, the
 * values `onDelete: restore` puts back). Reads nothing but the export.
 */
import { unpackOutputs } from "../link/packed";
import { type CliCommand, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "./io";
import { readStackExport } from "./stack-export";

const USAGE = "state (--stack <name> | --state <pulumi-stack-export.json>) [--link <name>]";

interface StateResource {
  urn?: string;
  id?: string;
  type?: string;
  outputs?: Record<string, unknown>;
}

/** The decoded record of every UserLink of a stack export (or of the one named `only`). */
export function decodedLinks(doc: unknown, only?: string): { name: string; id?: string; outputs: unknown }[] {
  const resources = ((doc as { deployment?: { resources?: unknown[] } })?.deployment?.resources ??
    []) as StateResource[];
  const out: { name: string; id?: string; outputs: unknown }[] = [];
  for (const r of resources) {
    if (!r.type?.endsWith("ad-entra-link:UserLink") || r.urn === undefined) continue;
    const name = r.urn.split("::").pop() ?? r.urn;
    if (only !== undefined && name !== only) continue;
    const { __provider: _p, ...outputs } = unpackOutputs(r.outputs ?? {}) as unknown as Record<
      string,
      unknown
    >;
    out.push({ name, ...(r.id !== undefined ? { id: r.id } : {}), outputs });
  }
  return out;
}

export const stateCommand: CliCommand = {
  name: "state",
  usage: USAGE,
  run(args, io) {
    let stack: string | undefined;
    let stateFile: string | undefined;
    let only: string | undefined;
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a === "--stack") stack = args[++i];
      else if (a === "--state") stateFile = args[++i];
      else if (a === "--link") only = args[++i];
      else if (a === "--help" || a === "-h") {
        io.stdout(`Usage: ad-entra-link ${USAGE}\n`);
        return EXIT_OK;
      } else {
        io.stderr(`ad-entra-link state: unknown argument ${a}\nUsage: ad-entra-link ${USAGE}\n`);
        return EXIT_USAGE;
      }
    }
    if ((stack === undefined) === (stateFile === undefined)) {
      io.stderr(`ad-entra-link state: give --stack or --state\nUsage: ad-entra-link ${USAGE}\n`);
      return EXIT_USAGE;
    }
    try {
      const doc = readStackExport(stateFile !== undefined ? { stateFile } : { stack: stack as string });
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
