/** The `joinResult` output `up` recorded for each link of a stack (issue 14), read from its state. */
import { unpackOutputs } from "../../provider/link/packed";
import type { Stack } from "@pulumi/pulumi/automation";
import type { JoinResult } from "../../provider/confirm/types";

/** By link name; undefined for a link whose `up` did not confirm (confirmation off, or not applied). */
export async function joinResults(stack: Stack): Promise<Record<string, JoinResult | undefined>> {
  const state = await stack.exportStack();
  const out: Record<string, JoinResult | undefined> = {};
  const resources =
    (state.deployment as { resources?: { urn: string; outputs?: Record<string, unknown> }[] }).resources ??
    [];
  for (const r of resources) {
    if (r.urn.includes("UserLink"))
      out[r.urn.split("::").pop() ?? ""] = unpackOutputs(r.outputs ?? {}).joinResult as
        | JoinResult
        | undefined;
  }
  return out;
}
