/**
 * What a reviewer reads per link in `pulumi preview --diff`: the resolved AD user, one line per
 * planned change, and one line saying what Entra Connect will do. These few lines are the link's
 * checked inputs (so they are known at preview and shown by Pulumi); the full prediction, states
 * and history are outputs. Lines stay under Pulumi's display width (it cuts strings at 150).
 */
import type { JoinOutcome, JoinPrediction, JoinVariant } from "../core/join-types";

/** Pulumi's diff display cuts longer strings with "..."; ours stay complete. */
export const MAX_LINE = 148;

export const JOIN_OUTCOMES: readonly JoinOutcome[] = [
  "hardMatch",
  "softMatchSmtp",
  "softMatchUpn",
  "newObject",
  "blocked",
  "alreadyJoined",
];

const SHORT: Record<JoinOutcome, string> = {
  hardMatch: "hard match",
  softMatchSmtp: "soft match on SMTP",
  softMatchUpn: "soft match on UPN",
  newObject: "a NEW duplicate cloud user",
  blocked: "an export error",
  alreadyJoined: "already joined",
};

function sentence(outcome: JoinOutcome, target: string | undefined, cloudId: string, reason: string): string {
  const other = target !== undefined && target !== cloudId ? `ANOTHER cloud object (${target})` : undefined;
  switch (outcome) {
    case "hardMatch":
      return `joins ${other ?? "the cloud user"} by its ImmutableId`;
    case "softMatchSmtp":
      return `joins ${other ?? "the cloud user"} on the primary SMTP address`;
    case "softMatchUpn":
      return `joins ${other ?? "the cloud user"} on the userPrincipalName`;
    case "alreadyJoined":
      return `already joined to ${other ?? "the cloud user"}`;
    case "newObject":
      return "the sync service creates a NEW cloud user beside the cloud user (a duplicate account)";
    case "blocked":
      return reason;
  }
}

function differs(v: JoinVariant, p: JoinPrediction): boolean {
  return v.outcome !== p.outcome || v.targetObjectId !== p.targetObjectId;
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

/**
 * `<outcome>, <certain|uncertain>: <what happens>[; <other outcome> if <tenant flag>]`. The first
 * word is the outcome key, so policies and plan renderers read it with `parseJoinLine`.
 */
export function joinLine(p: JoinPrediction, cloudId: string): string {
  const head = `${p.outcome}, ${p.uncertain ? "uncertain" : "certain"}: `;
  const reason = p.variants?.find((v) => !differs(v, p))?.reason ?? p.reason;
  const what = sentence(
    p.outcome,
    p.targetObjectId,
    cloudId,
    p.errorName ? `${p.errorName}: ${reason}` : reason,
  );
  const others = (p.variants ?? []).filter((v) => differs(v, p));
  const tails = [
    ...others.map((v) => `${SHORT[v.outcome]} if ${v.assumption}`),
    ...(p.uncertainRules !== undefined && others.length === 0
      ? ["rests on a rule the sources disagree on"]
      : []),
  ];
  const full = `${head}${what}${tails.map((t) => `; ${t}`).join("")}`;
  if (full.length <= MAX_LINE) return full;
  const tail = tails.length > 0 ? "; other outcomes under other tenant settings" : "";
  return `${head}${cut(what, MAX_LINE - head.length - tail.length)}${tail}`;
}

/** The outcome and certainty of a `join` line (undefined for anything that is not one). */
export function parseJoinLine(line: unknown): { outcome: JoinOutcome; uncertain: boolean } | undefined {
  if (typeof line !== "string") return undefined;
  const m = /^([A-Za-z]+), (certain|uncertain): /.exec(line);
  const outcome = m?.[1] as JoinOutcome | undefined;
  if (m === null || outcome === undefined || !JOIN_OUTCOMES.includes(outcome)) return undefined;
  return { outcome, uncertain: m[2] === "uncertain" };
}

const OBJECTS = /^AD (.+) ⇄ cloud ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/**
 * `AD <distinguished name> ⇄ cloud <object id>`: the two objects the selectors resolved to. A
 * reviewed plan whose objects changed (a user deleted and re-created under the same name) differs here.
 */
export function objectsLine(adDn: string, cloudId: string): string {
  return `AD ${adDn} ⇄ cloud ${cloudId}`;
}

/** The AD distinguished name and cloud object id of an `objects` line (undefined for anything else). */
export function parseObjectsLine(line: unknown): { adDn: string; cloudId: string } | undefined {
  const m = typeof line === "string" ? OBJECTS.exec(line) : null;
  return m === null ? undefined : { adDn: m[1]!, cloudId: m[2]! };
}
