/**
 * Which hosts are Microsoft Graph and which token scope a Graph base URL takes: shared by the
 * transport and the client it loads at the first request.
 */
import type { EntraSettings } from "../config/settings";

export const MICROSOFT_GRAPH_HOSTS: ReadonlySet<string> = new Set([
  "graph.microsoft.com",
  "graph.microsoft.us",
  "dod-graph.microsoft.us",
  "graph.microsoft.de",
  "microsoftgraph.chinacloudapi.cn",
  "canary.graph.microsoft.com",
]);

/**
 * The token scope for Graph: the national cloud's own Graph resource, or, for a host that only
 * fronts Graph (a proxy, the test emulator), Microsoft Graph's resource id unless configured.
 */
export function graphScope(settings: EntraSettings): string {
  if (settings.graphScope !== undefined) return settings.graphScope;
  const url = new URL(settings.graphBaseUrl);
  return MICROSOFT_GRAPH_HOSTS.has(url.hostname)
    ? `${url.origin}/.default`
    : "https://graph.microsoft.com/.default";
}
