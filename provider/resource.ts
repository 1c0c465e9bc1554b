/**
 * The UserLink dynamic resource. Pulumi's dynamic-provider host runs whatever code a resource's
 * `__provider` property holds; ours is one line that loads `ad-entra-link/runtime` by package name
 * inside the provider process (whose working directory is the Pulumi program's folder), so state
 * holds no client, socket, token, secret or closure, and old state runs today's code.
 */
import * as pulumi from "@pulumi/pulumi";
import { InvalidInputError } from "./errors";
import { formatLinkIdentity } from "./link/identity";
import { type PackedOutputs, unpackOutputs } from "./link/packed";
import type {
  BeforeState,
  CloudState,
  MatchMode,
  OnDelete,
  OnPremisesState,
  PredictedJoin,
  SourceAnchorChoice,
  SyncState,
  UserLinkInputs,
} from "./link/types";

type Runtime = typeof import("./runtime");

/**
 * What every link stores as `__provider` (twice: in its inputs and its outputs), and what the host
 * evaluates to find the provider. Pulumi's `dynamic.Resource` would store a serialized closure of
 * `userLinkProvider` instead: 2.4 KB per copy, and its text changes with how the program was
 * compiled (ts-node or tsc), which shows as a change in reviewed plans (design-decisions.md,
 * 2026-11-29).
 */
export const PROVIDER_SOURCE = 'exports.handler = () => require("ad-entra-link/runtime").dynamicProvider;';

/** The type token `dynamic.Resource` would give the resource: the engine routes it to Pulumi's Node.js dynamic-provider host. */
export const USER_LINK_TYPE = "pulumi-nodejs:dynamic/ad-entra-link:UserLink";

/**
 * The provider contract as a plain object, for programs that drive the methods themselves (and
 * for states written by earlier versions, whose serialized closure calls `runtime.hosted`).
 */
export const userLinkProvider: pulumi.dynamic.ResourceProvider<UserLinkInputs, PackedOutputs> = {
  async configure(req) {
    (require("ad-entra-link/runtime") as Runtime).configure((key) => req.config.get(key));
  },
  async check(olds, news) {
    const rt = require("ad-entra-link/runtime") as Runtime;
    return (await rt.hosted.check(
      olds,
      news as unknown as Record<string, unknown>,
    )) as unknown as pulumi.dynamic.CheckResult<UserLinkInputs>;
  },
  async diff(id, olds, news) {
    return (require("ad-entra-link/runtime") as Runtime).hosted.diff(id, olds, news);
  },
  async create(inputs) {
    return (require("ad-entra-link/runtime") as Runtime).hosted.create(inputs);
  },
  async update(id, olds, news) {
    return (require("ad-entra-link/runtime") as Runtime).hosted.update(id, olds, news);
  },
  async read(id, props) {
    return (require("ad-entra-link/runtime") as Runtime).hosted.read(
      id,
      props ?? ({} as PackedOutputs),
    ) as Promise<pulumi.dynamic.ReadResult<PackedOutputs>>;
  },
  async delete(id, props) {
    await (require("ad-entra-link/runtime") as Runtime).hosted.remove(id, props);
  },
};

/** Exactly one way to find the on-premises AD user. */
export interface OnPremisesSelectorArgs {
  samAccountName?: pulumi.Input<string>;
  distinguishedName?: pulumi.Input<string>;
  /** The objectGUID as ADUC shows it (e.g. `1b7a3c1e-8f4d-4c3a-9a2b-5e6f7d8c9b0a`), braces optional. */
  objectGuid?: pulumi.Input<string>;
  userPrincipalName?: pulumi.Input<string>;
}

/** Exactly one way to find the existing Entra ID user. */
export interface CloudUserSelectorArgs {
  userPrincipalName?: pulumi.Input<string>;
  /** The user's object id. */
  id?: pulumi.Input<string>;
}

export interface UserLinkArgs {
  /** The on-premises AD user that takes over the cloud user. */
  onPremises: pulumi.Input<OnPremisesSelectorArgs>;
  /** The existing cloud-only Entra ID user. */
  cloud: pulumi.Input<CloudUserSelectorArgs>;
  /**
   * `soft` (default): align the AD user's userPrincipalName, mail and primary SMTP: proxy address
   * with the cloud user so Entra Connect soft-matches. `hard`: the same alignment, plus the AD
   * source anchor stamped as the cloud user's ImmutableId so it hard-matches.
   */
  match?: pulumi.Input<MatchMode>;
  /** Target UPN on-premises. Default: the cloud user's UPN. */
  userPrincipalName?: pulumi.Input<string>;
  /** Target `mail` on-premises. Default: the cloud user's mail. */
  mail?: pulumi.Input<string>;
  /** Target primary SMTP address (bare address). Default: the target mail. */
  primarySmtpAddress?: pulumi.Input<string>;
  /** Extra proxy addresses to ensure, each with its type prefix (`smtp:alias@contoso.com`, `SIP:…`, `X500:…`). */
  additionalProxyAddresses?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Which AD attribute Entra Connect uses as the anchor. `auto` (default): mS-DS-ConsistencyGuid
   * when set, else objectGUID, as Entra Connect does.
   */
  sourceAnchor?: pulumi.Input<SourceAnchorChoice>;
  /** Stamp the objectGUID into an empty mS-DS-ConsistencyGuid first (default false). */
  writeConsistencyGuid?: pulumi.Input<boolean>;
  /** On destroy: `retain` (default) changes nothing; `restore` puts back the values recorded before the first change. */
  onDelete?: pulumi.Input<OnDelete>;
  /** Allow linking a cloud user that holds or is eligible for a privileged role (default false; warned even then). */
  allowPrivilegedCloudUser?: pulumi.Input<boolean>;
  /** Why this link exists (ticket, approval); policies can require it for hard matches. */
  reason?: pulumi.Input<string>;
}

// Program-side guard: the same selector declared twice is caught before the engine even starts.
const declaredSelectors = new Map<string, string>();

function guardDuplicateSelector(name: string, side: string, selector: unknown): void {
  if (selector === undefined || selector === null || typeof selector !== "object") return;
  for (const [k, v] of Object.entries(selector as Record<string, unknown>)) {
    if (typeof v !== "string") continue; // Outputs are checked by the provider once resolved.
    const key = `${side}.${k}=${v.toLowerCase()}`;
    const other = declaredSelectors.get(key);
    if (other !== undefined && other !== name) {
      throw new pulumi.InputPropertyError({
        propertyPath: side,
        reason: `ad-entra-link: links "${other}" and "${name}" both select ${side} ${k} "${v}". One user can be linked only once.`,
      });
    }
    declaredSelectors.set(key, name);
  }
}

/**
 * Links an on-premises AD user to an existing cloud-only Entra ID user so that Entra Connect joins
 * them on its next cycle. Type token: `pulumi-nodejs:dynamic/ad-entra-link:UserLink`.
 */
export class UserLink extends pulumi.CustomResource {
  /** `AD <distinguished name> ⇄ cloud <object id>`: what the selectors resolved to (known at preview). */
  declare readonly objects: pulumi.Output<string>;
  /** One line per planned change, `current → planned`; empty when converged (known at preview). */
  declare readonly plan: pulumi.Output<string[]>;
  /**
   * `<outcome>, <certain|uncertain>: <what Entra Connect will do>` (known at preview); read the
   * outcome with `parseJoinLine`. The full reasoning is `predictedJoin`.
   */
  declare readonly join: pulumi.Output<string>;
  /** What the link joins: the AD object and the cloud object (after `up`). */
  declare readonly resolved: pulumi.Output<{
    onPremisesObjectGuid: string;
    onPremisesDistinguishedName: string;
    cloudUserId: string;
  }>;
  /** The ImmutableId (base64 of the source anchor in Microsoft byte order; after `up`). */
  declare readonly immutableId: pulumi.Output<string>;
  declare readonly sourceAnchorAttribute: pulumi.Output<"objectGUID" | "mS-DS-ConsistencyGuid">;
  declare readonly syncState: pulumi.Output<SyncState>;
  /**
   * What the link recorded about both directories, as one JSON string (state stores it so; see
   * link/packed.ts). The outputs above and below, but `drift`, are read from it.
   */
  declare readonly recorded: pulumi.Output<string>;
  /** Whether Entra Connect will join the pair, how or why not, per unknown tenant setting (after `up`). */
  readonly predictedJoin: pulumi.Output<PredictedJoin>;
  /** The AD user as last read (after `up` or `refresh`). */
  readonly onPremisesState: pulumi.Output<OnPremisesState>;
  /** The cloud user as last read (after `up` or `refresh`). */
  readonly cloudState: pulumi.Output<CloudState>;
  /** Values before the link first changed anything (what `onDelete: restore` puts back). */
  readonly before: pulumi.Output<BeforeState>;
  /** Set by refresh when the directories drifted from the link: what is to change now. */
  declare readonly drift: pulumi.Output<string[] | undefined>;

  constructor(name: string, args: UserLinkArgs, opts?: pulumi.CustomResourceOptions) {
    refuseImport(name, opts);
    guardDuplicateSelector(name, "onPremises", args.onPremises);
    guardDuplicateSelector(name, "cloud", args.cloud);
    const stackTraceLimit = withoutPromiseStacks();
    try {
      super(
        USER_LINK_TYPE,
        name,
        {
          ...args,
          // Set here, after the arguments, so no links file or argument can claim another stack's users.
          // Defaults (match, sourceAnchor, onDelete, …) are applied by the provider, so preview does not echo them.
          link: formatLinkIdentity(
            `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`,
            name,
          ),
          objects: undefined,
          plan: undefined,
          join: undefined,
          resolved: undefined,
          immutableId: undefined,
          sourceAnchorAttribute: undefined,
          syncState: undefined,
          recorded: undefined,
          drift: undefined,
          __provider: PROVIDER_SOURCE,
        },
        opts,
      );
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
    // Read from `recorded`. Only a state written before 0.4 (ids and anchor as fields of their own)
    // waits on those fields too: in a preview a field absent from state is unknown, not undefined.
    const legacy: Record<string, pulumi.Output<unknown>> = {
      resolved: this.resolved,
      immutableId: this.immutableId,
      sourceAnchorAttribute: this.sourceAnchorAttribute,
      syncState: this.syncState,
    };
    const unpacked = this.recorded.apply((recorded) => {
      const outputs = unpackOutputs({ recorded });
      if (outputs.resolved !== undefined) return pulumi.output(outputs);
      return pulumi.all(legacy).apply((fields) => unpackOutputs({ recorded, ...fields }));
    });
    const self = this as unknown as Record<string, unknown>;
    self["resolved"] = unpacked.apply((o) => o.resolved!);
    self["immutableId"] = unpacked.apply((o) => o.immutableId!);
    self["sourceAnchorAttribute"] = unpacked.apply((o) => o.sourceAnchorAttribute!);
    self["syncState"] = unpacked.apply((o) => o.syncState);
    this.predictedJoin = unpacked.apply((o) => o.predictedJoin!);
    this.onPremisesState = unpacked.apply((o) => o.onPremisesState);
    this.cloudState = unpacked.apply((o) => o.cloudState);
    this.before = unpacked.apply((o) => o.before);
  }
}

/**
 * `import` cannot work for a dynamic resource (the engine reads it before any of our code exists in
 * state); declaring the link adopts it instead, so say that rather than let the SDK fail obscurely.
 */
function refuseImport(name: string, opts: pulumi.CustomResourceOptions | undefined): void {
  if (opts?.import === undefined) return;
  throw new InvalidInputError(
    "IMPORT_NOT_SUPPORTED",
    "import",
    `ad-entra-link: link "${name}" has the \`import\` option; a UserLink cannot be imported. Remove the option: declaring the link adopts the pair, and when both directories already match the preview shows no changes and \`up\` writes nothing (README: "The UserLink resource").`,
  );
}

/**
 * The SDK stamps `new Error().stack` on every promise it creates, for a leak report shown only with
 * PULUMI_DEBUG_PROMISE_LEAKS; through the source-map-support it installs, each costs ~0.2 ms and a
 * UserLink creates dozens while constructing: 10 of the 11 seconds a 1,000-link program spent
 * registering (bench/scale.ts). The SDK's own source position sets its own limit, so only those
 * debug stacks go. Returns the limit to restore.
 */
function withoutPromiseStacks(): number {
  const limit = Error.stackTraceLimit;
  if (!process.env["PULUMI_DEBUG_PROMISE_LEAKS"]) Error.stackTraceLimit = 0;
  return limit;
}
