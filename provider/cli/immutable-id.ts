/**
 * `ad-entra-link immutable-id <value> [--json]`: reads an anchor in any form people copy it in
 * (GUID from ADUC/PowerShell, ImmutableId from Graph, octet string from ADSI Edit) and prints all of
 * them, so that a hard match can be checked by eye against each tool.
 */
import { AdEntraLinkError } from "../errors";
import { type AnchorForms, parseAnchor } from "../core/immutable-id";
import { type CliCommand, type CliIo, EXIT_OK, EXIT_USAGE } from "./io";

const USAGE = "immutable-id <value> [--json]";

const INPUT_FORM_LABEL: Record<AnchorForms["inputForm"], string> = {
  guid: "GUID",
  immutableId: "ImmutableId (Base64)",
  hex: "octet string (hex, stored byte order)",
  ldapFilterValue: "LDAP filter value (escaped bytes)",
  connectorSpaceDn: "connector-space DN",
};

/** The aligned text output of {@link immutableIdCommand}. */
export function formatAnchorText(forms: AnchorForms): string {
  const rows: [string, string][] = [
    ["Input read as", INPUT_FORM_LABEL[forms.inputForm]],
    ["GUID", forms.guid],
    ["ImmutableId", forms.immutableId],
    ["Hex (stored order)", forms.hex],
    ["LDAP filter value", forms.ldapFilterValue],
    ["Connector-space DN", forms.connectorSpaceDn],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join("\n") + "\n";
}

/** The JSON output of {@link immutableIdCommand} (key order fixed). */
export function formatAnchorJson(forms: AnchorForms): string {
  const { inputForm, guid, immutableId, hex, ldapFilterValue, connectorSpaceDn } = forms;
  return (
    JSON.stringify({ inputForm, guid, immutableId, hex, ldapFilterValue, connectorSpaceDn }, null, 2) + "\n"
  );
}

function usageError(io: CliIo, message: string): number {
  io.stderr(`ad-entra-link immutable-id: ${message}\nUsage: ad-entra-link ${USAGE}\n`);
  return EXIT_USAGE;
}

/** The `immutable-id` command. Exit code 0 on success, 2 for bad arguments or an unreadable value. */
export const immutableIdCommand: CliCommand = {
  name: "immutable-id",
  usage: USAGE,
  run(args, io) {
    let json = false;
    const values: string[] = [];
    for (const arg of args) {
      if (arg === "--json") {
        json = true;
      } else if (arg === "--help" || arg === "-h") {
        io.stdout(
          `Usage: ad-entra-link ${USAGE}\n\n` +
            "<value> is a GUID (braces optional), a Base64 ImmutableId, or the 32 hex digits of the\n" +
            "octet string as ADSI Edit shows it (quote it if it has spaces).\n",
        );
        return EXIT_OK;
      } else if (arg.startsWith("--") && arg.length > 2) {
        return usageError(io, `unknown option ${arg}.`);
      } else {
        values.push(arg);
      }
    }
    if (values.length !== 1) {
      return usageError(io, `expected exactly one value, got ${values.length}.`);
    }
    let forms: AnchorForms;
    try {
      forms = parseAnchor(values[0] as string, "value");
    } catch (error) {
      if (error instanceof AdEntraLinkError) {
        return usageError(
          io,
          `${error.message}\nAccepted: a GUID (12345678-9abc-def0-1234-56789abcdef0, braces optional), ` +
            `an ImmutableId (eFY0Erya8N4SNFZ4mrze8A==), or 32 hex digits of the octet string.`,
        );
      }
      throw error;
    }
    io.stdout(json ? formatAnchorJson(forms) : formatAnchorText(forms));
    return EXIT_OK;
  },
};
