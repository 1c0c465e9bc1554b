/**
 * What the engine knows about a link after reading both directories: the objects, the plan, what
 * Entra Connect will export and join, and the safety verdict. Check, apply and the run's claims
 * (session/run-book.ts) all work from it.
 */
import type { ExportedView } from "../core/exported-view";
import type { AdUser, CloudUser } from "../domain/ports";
import type { AdEntraLinkError } from "../errors";
import type { LinkPlan } from "./plan";
import type { PredictedJoin, UserLinkDeclaration } from "./types";

export interface Resolution {
  decl: UserLinkDeclaration;
  ad: AdUser;
  cloud: CloudUser;
  plan: LinkPlan;
  exported: ExportedView;
  prediction: PredictedJoin;
  warnings: string[];
  /** Refusals found; empty when the link may proceed. */
  errors: AdEntraLinkError[];
}
