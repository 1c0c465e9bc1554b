/**
 * The policies of the ad-entra-link pack, on resources of type
 * `pulumi-nodejs:dynamic/ad-entra-link:UserLink`. They read the link's checked inputs: what the
 * program declared plus what the provider resolved at preview (`objects`, `join`).
 * Kept apart from index.ts (which starts the policy server) so they can be read and reused alone.
 */
import type { PolicyConfigSchema, ResourceValidationPolicy } from "@pulumi/policy";
// The provider's own DN rule, through the package (so `pulumi policy publish` can bundle it).
import { isDnUnder, parseJoinLine, parseObjectsLine } from "ad-entra-link";

/** The type token of a UserLink (dynamic resource with its own module and type name). */
export const USER_LINK_TYPE = "pulumi-nodejs:dynamic/ad-entra-link:UserLink";

interface UserLinkProps {
  onPremises?: {
    distinguishedName?: string;
    samAccountName?: string;
    objectGuid?: string;
    userPrincipalName?: string;
  };
  cloud?: { userPrincipalName?: string; id?: string };
  match?: string;
  allowPrivilegedCloudUser?: boolean;
  reason?: string;
  /** `AD <distinguished name> ⇄ cloud <object id>`, resolved at preview. */
  objects?: string;
  /** `<outcome>, <certain|uncertain>: <what Entra Connect will do>`, predicted at preview. */
  join?: string;
}

function selector(s: Record<string, string | undefined> | undefined): string {
  const [k, v] = Object.entries(s ?? {}).find(([, x]) => x !== undefined) ?? ["?", "?"];
  return `${k} "${v}"`;
}

/**
 * True when `dn` is `base` or inside it: the provider's own rule (component-wise RFC 4514 parsing,
 * escapes and OID aliases understood). A DN that does not parse is never inside anything, so the
 * policy fails closed.
 */
export function isDnInside(dn: string, base: string): boolean {
  try {
    return isDnUnder(dn, base);
  } catch {
    return false;
  }
}

export const noPrivilegedCloudUsers: ResourceValidationPolicy = {
  name: "ad-entra-link-no-privileged-cloud-users",
  description:
    "A UserLink must not take over a cloud user that holds or is eligible for a privileged role (allowPrivilegedCloudUser must not be true).",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type !== USER_LINK_TYPE) return;
    const p = args.props as UserLinkProps;
    if (p.allowPrivilegedCloudUser === true) {
      reportViolation(
        `UserLink ${args.name} sets allowPrivilegedCloudUser: true for cloud user ${selector(p.cloud)}. ` +
          "Linking a privileged cloud account hands it to whoever controls the AD user (SyncJacking); remove its roles first and drop the flag.",
      );
    }
  },
};

export const predictedJoinNotBlocked: ResourceValidationPolicy = {
  name: "ad-entra-link-predicted-join-not-blocked",
  description:
    "Warns (or, made mandatory, blocks) links whose predicted join is blocked: the AD changes would not lead to a join.",
  enforcementLevel: "advisory",
  validateResource: (args, reportViolation) => {
    if (args.type !== USER_LINK_TYPE) return;
    const p = args.props as UserLinkProps;
    if (parseJoinLine(p.join)?.outcome === "blocked") {
      reportViolation(`UserLink ${args.name}: Entra Connect is predicted to refuse this join (${p.join}).`);
    }
  },
};

export const allowedOus: ResourceValidationPolicy = {
  name: "ad-entra-link-allowed-ous",
  description:
    "The AD user of a UserLink must be inside one of the configured OUs (config allowedOus, a list of DNs).",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      allowedOus: {
        type: "array",
        items: { type: "string" },
        description:
          "DNs of the OUs (or containers) whose users may be linked, e.g. OU=Staff,DC=corp,DC=local.",
      },
    },
  } as PolicyConfigSchema,
  validateResource: (args, reportViolation) => {
    if (args.type !== USER_LINK_TYPE) return;
    const p = args.props as UserLinkProps;
    const allowed = (args.getConfig<{ allowedOus?: string[] }>().allowedOus ?? []).filter(
      (d) => d.trim() !== "",
    );
    if (allowed.length === 0) {
      reportViolation(
        `UserLink ${args.name}: the policy ad-entra-link-allowed-ous has no allowedOus configured; list the OUs whose users may be linked (--policy-pack-config).`,
      );
      return;
    }
    // The declared DN, else the DN the provider resolved at preview (selectors by name or GUID).
    const dn = p.onPremises?.distinguishedName ?? parseObjectsLine(p.objects)?.adDn;
    if (dn === undefined) return; // not resolved yet (unknown during preview); checked again at up
    if (!allowed.some((base) => isDnInside(dn, base))) {
      reportViolation(
        `UserLink ${args.name}: the AD user ${dn} is not inside an allowed OU (${allowed.join("; ")}).`,
      );
    }
  },
};

export const hardMatchNeedsReason: ResourceValidationPolicy = {
  name: "ad-entra-link-hard-match-needs-reason",
  description:
    "A UserLink with match: hard must say why in reason (ticket, approval): it overwrites the cloud user's ImmutableId.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type !== USER_LINK_TYPE) return;
    const p = args.props as UserLinkProps;
    if (p.match === "hard" && (typeof p.reason !== "string" || p.reason.trim() === "")) {
      reportViolation(
        `UserLink ${args.name} hard-matches ${selector(p.onPremises)} to ${selector(p.cloud)} without a reason; add reason: "<ticket or approval>".`,
      );
    }
  },
};

export const policies: ResourceValidationPolicy[] = [
  noPrivilegedCloudUsers,
  allowedOus,
  hardMatchNeedsReason,
  predictedJoinNotBlocked,
];
