/**
 * What `pulumi refresh` does to a link, as a pure function of the recorded outputs and the facts
 * read of both users. Refresh reads nothing else: `refreshWith` sees the users only through
 * `RefreshFacts`, so equal facts give equal results, and a digest of the facts (refresh-digest.ts)
 * can say that a refresh would change nothing without planning the link again.
 */
import { bytesToGuid, guidToBytes } from "../core/guid";
import type { AdUser, CloudUser } from "../domain/ports";
import { type AdFacts, type CloudFacts, type LinkPlan, planLink, syncStateOf } from "./plan";
import { cloudState, inputsOf } from "./recorded";
import type { CloudState, OnPremisesState, UserLinkInputs, UserLinkOutputs } from "./types";
import { validateDeclaration } from "./validate";

/**
 * Everything refresh reads of the two users, as plain JSON (absent values null, GUID attributes
 * as the base64 of their bytes, so that no value of another length is lost).
 */
export interface RefreshFacts {
  ad: {
    dn: string;
    objectGuid: string;
    consistencyGuid: string | null;
    userPrincipalName: string | null;
    mail: string | null;
    proxyAddresses: string[];
  };
  cloud: CloudState;
}

/**
 * What refresh returns: the outputs to record and, when the directories drifted, the inputs later
 * diffs compare with (what is to change now). Without drift Pulumi keeps the recorded inputs: a
 * refresh then sends and stores nothing it did not already hold.
 */
export interface Refreshed {
  outputs: UserLinkOutputs;
  inputs?: UserLinkInputs;
}

/** The facts of the users as the directories returned them. */
export function refreshFactsOf(ad: AdUser, cloud: CloudUser): RefreshFacts {
  return {
    ad: {
      dn: ad.dn,
      objectGuid: ad.objectGuidBytes.toString("base64"),
      consistencyGuid: ad.consistencyGuid?.toString("base64") ?? null,
      userPrincipalName: ad.userPrincipalName ?? null,
      mail: ad.mail ?? null,
      proxyAddresses: [...ad.proxyAddresses],
    },
    cloud: cloudState(cloud),
  };
}

/**
 * The facts the recorded states describe: what a refresh reads if nothing changed since they were
 * recorded. Undefined when the outputs record no states (or a GUID that does not parse).
 */
export function refreshFactsFromStates(outputs: UserLinkOutputs): RefreshFacts | undefined {
  const on = outputs.onPremisesState as OnPremisesState | undefined;
  const cloud = outputs.cloudState as CloudState | undefined;
  if (on === undefined || cloud === undefined) return undefined;
  try {
    return {
      ad: {
        dn: on.distinguishedName,
        objectGuid: guidToBytes(on.objectGuid).toString("base64"),
        consistencyGuid:
          on.consistencyGuid === null ? null : guidToBytes(on.consistencyGuid).toString("base64"),
        userPrincipalName: on.userPrincipalName,
        mail: on.mail,
        proxyAddresses: [...on.proxyAddresses],
      },
      // Built key by key, as the AD side: a state with keys of its own (an earlier version, a hand
      // edit) must not lend them to the facts, or a refresh of it would keep what it should drop.
      cloud: {
        id: cloud.id,
        userPrincipalName: cloud.userPrincipalName,
        mail: cloud.mail,
        proxyAddresses: [...cloud.proxyAddresses],
        onPremisesImmutableId: cloud.onPremisesImmutableId,
        onPremisesSyncEnabled: cloud.onPremisesSyncEnabled,
      },
    };
  } catch {
    return undefined;
  }
}

function adFactsOf(f: RefreshFacts["ad"]): AdFacts {
  return {
    dn: f.dn,
    objectGuidBytes: Buffer.from(f.objectGuid, "base64"),
    ...(f.consistencyGuid !== null ? { consistencyGuid: Buffer.from(f.consistencyGuid, "base64") } : {}),
    ...(f.userPrincipalName !== null ? { userPrincipalName: f.userPrincipalName } : {}),
    ...(f.mail !== null ? { mail: f.mail } : {}),
    proxyAddresses: f.proxyAddresses,
  };
}

function onPremisesStateOf(f: RefreshFacts["ad"]): OnPremisesState {
  return {
    distinguishedName: f.dn,
    objectGuid: bytesToGuid(Buffer.from(f.objectGuid, "base64")),
    userPrincipalName: f.userPrincipalName,
    mail: f.mail,
    proxyAddresses: [...f.proxyAddresses],
    consistencyGuid:
      f.consistencyGuid === null ? null : bytesToGuid(Buffer.from(f.consistencyGuid, "base64")),
  };
}

/**
 * A link's outputs after a refresh that read `facts`. Converged: the recorded plan stays, so a
 * refresh of an unchanged link reports no difference. Drifted: the outputs record what is to
 * change now, and the inputs with them (the next preview repairs it).
 */
export function refreshWith(outputs: UserLinkOutputs, facts: RefreshFacts): Refreshed {
  const identity = outputs.resolved!;
  const ad = adFactsOf(facts.ad);
  const cloud: CloudFacts = facts.cloud;
  let plan: LinkPlan | undefined;
  const decl = validateDeclaration(outputs as unknown as Record<string, unknown>).decl;
  try {
    if (decl !== undefined) plan = planLink(decl, ad, cloud);
  } catch {
    // A declaration that no longer plans (e.g. anchor removed by hand) shows up at the next preview.
  }
  const drifted = plan?.hasChanges === true;
  const refreshed: UserLinkOutputs = {
    ...outputs,
    resolved: { ...identity, onPremisesDistinguishedName: facts.ad.dn },
    ...(drifted ? { plan: plan!.summary } : {}),
    drift: drifted ? plan!.summary : [],
    onPremisesState: onPremisesStateOf(facts.ad),
    cloudState: { ...facts.cloud, proxyAddresses: [...facts.cloud.proxyAddresses] },
    syncState: syncStateOf(cloud, outputs.immutableId ?? "", !drifted),
  };
  if (!drifted) return { outputs: refreshed };
  // Pulumi diffs the refreshed outputs against the recorded inputs: after drift those carry what
  // is left to change now, not the plan of the last `up`.
  return { outputs: refreshed, inputs: { ...inputsOf(refreshed), plan: plan!.summary } };
}
