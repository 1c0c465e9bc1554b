/**
 * Who declares a link: `<organization>/<project>/<stack>/<resource name>`, one input (`link`) the
 * program sets after the user's arguments, so no links file can claim another stack's users.
 * Organization, project and stack names cannot contain `/`; the resource name may, so it is the rest.
 * States written before 0.3.0 carry the same facts as `stackOwner` and `linkName`; both are read.
 */

export interface LinkIdentity {
  /** `<organization>/<project>/<stack>`: the owner recorded on the cloud user. */
  owner?: string;
  /** The UserLink's resource name. */
  name: string;
}

export function formatLinkIdentity(owner: string, name: string): string {
  return `${owner}/${name}`;
}

/** The identity in a link's inputs or outputs (current `link`, else the pre-0.3.0 fields). */
export function linkIdentityOf(props: Record<string, unknown>): LinkIdentity {
  const link = props["link"];
  if (typeof link === "string") {
    const parts = link.split("/");
    if (parts.length >= 4 && parts.slice(0, 3).every((p) => p.length > 0)) {
      const name = parts.slice(3).join("/");
      if (name.length > 0) return { owner: parts.slice(0, 3).join("/"), name };
    }
    return { name: link.length > 0 ? link : "(unnamed)" };
  }
  const name = typeof props["linkName"] === "string" ? props["linkName"] : "(unnamed)";
  const owner = props["stackOwner"];
  return typeof owner === "string" && owner.length > 0 ? { owner, name } : { name };
}
