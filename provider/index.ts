/**
 * ad-entra-link: link on-premises Active Directory users to existing Entra ID users as code.
 *
 * The package root exports the Pulumi resource and the error kinds. The pure helpers (ImmutableId
 * conversion, proxy-address planning, join prediction) are exported too, for scripts and tests.
 */
export * from "./errors";
export type * from "./link/types";
export {
  type CloudUserSelectorArgs,
  type OnPremisesSelectorArgs,
  UserLink,
  type UserLinkArgs,
  userLinkProvider,
} from "./resource";
export { SETTING_KEYS } from "./config/settings";
export { PACKED_KEYS, type PackedOutputs, packOutputs, unpackOutputs } from "./link/packed";
export { JOIN_OUTCOMES, joinLine, objectsLine, parseJoinLine, parseObjectsLine } from "./link/review";
export { type LinkRow, renderSummary, summarizeLinks } from "./run-summary";
export { bytesToGuid, guidToBytes } from "./core/guid";
export { isDnUnder } from "./core/ldap-escape";
export { bytesToImmutableId, guidToImmutableId, immutableIdToGuid, parseAnchor } from "./core/immutable-id";
export {
  type LinkEntry,
  type LinksFile,
  LinksFileInvalidError,
  type LinksFileProblem,
  loadLinksFile,
  parseLinksText,
  renderLinksYaml,
} from "./links";
