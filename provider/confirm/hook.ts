/**
 * The runtime's one call after create/update apply: confirm the join when configured, record the
 * outcome in the link's outputs (`joinResult`), and fail the step — keeping the state of what was
 * written — when the join is not the declared one.
 */
import type { Settings } from "../config/settings";
import { linkId, PartialApplyError } from "../link/engine";
import type { UserLinkOutputs } from "../link/types";
import { confirmAppliedLink, isConfirmed, type JoinResult } from "./index";

export async function confirmAfterApply(
  settings: Settings,
  linkName: string,
  outs: UserLinkOutputs & { joinResult?: JoinResult },
): Promise<void> {
  const resolved = outs.resolved;
  if (resolved === undefined || outs.immutableId === undefined) return;
  const result = await confirmAppliedLink(settings, {
    linkName,
    distinguishedName: resolved.onPremisesDistinguishedName,
    cloudUserId: resolved.cloudUserId,
    immutableId: outs.immutableId,
    ...(outs.cloudState?.userPrincipalName ? { userPrincipalName: outs.cloudState.userPrincipalName } : {}),
  });
  if (result === undefined) return;
  outs.joinResult = result;
  if (!isConfirmed(result)) {
    throw new PartialApplyError(
      `ad-entra-link: link "${linkName}": the join was not confirmed (${result.outcome}): ${result.summary}`,
      linkId(resolved),
      outs,
    );
  }
}
