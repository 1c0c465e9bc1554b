/** `discover`: propose links between existing AD users and cloud users, with evidence (README "Discover"). */
export { adRef, cloudRef, DEFAULT_MATCH_OPTIONS, nameKey, proposeLinks } from "./match";
export { anchorOf, predictProposal } from "./predict";
export * from "./types";
export {
  describeEvidence,
  renderDiscoveredLinks,
  renderMarkdownReport,
  type RunSummary,
} from "./output";
export { renderHtmlReport } from "./output-html";
export { DISCOVERY_AD_ATTRIBUTES, DISCOVERY_AD_FILTER, readAdUsers } from "./read-ad";
export { DISCOVERY_CLOUD_SELECT, readAllRoles, readCloudUsers } from "./read-entra";
export { type DiscoveryProgress, type DiscoveryRun, type RunDiscoveryOptions, runDiscovery } from "./run";
