/**
 * The Graph client as the transport uses it: Microsoft's SDK with its middleware chain and an
 * @azure/identity credential. Loaded by graph-transport.ts at the first request only.
 */
import {
  AuthenticationHandler,
  Client,
  HTTPMessageHandler,
  RedirectHandler,
  RedirectHandlerOptions,
  RetryHandler,
  RetryHandlerOptions,
  TelemetryHandler,
} from "@microsoft/microsoft-graph-client";
import { TokenCredentialAuthenticationProvider } from "@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials";
import type { EntraSettings } from "../config/settings";
import { createCredential } from "./credential";
import { FreshTokenHandler } from "./fresh-token-handler";
import { graphScope, MICROSOFT_GRAPH_HOSTS } from "./graph-hosts";

export function createClient(settings: EntraSettings): Client {
  const credential = createCredential(settings);
  const authProvider = new TokenCredentialAuthenticationProvider(credential, {
    scopes: [graphScope(settings)],
  });
  const auth = new AuthenticationHandler(authProvider);
  // Up to 6 retries of 429/503/504, honouring Retry-After (the handler's own rule).
  const retry = new RetryHandler(new RetryHandlerOptions(1, 6));
  const redirect = new RedirectHandler(new RedirectHandlerOptions());
  const telemetry = new TelemetryHandler();
  const http = new HTTPMessageHandler();
  // Retry before authentication: a retry after a long Retry-After then asks the credential again
  // and carries a fresh token instead of the one that expired meanwhile.
  const fresh = new FreshTokenHandler();
  retry.setNext(fresh);
  fresh.setNext(auth);
  auth.setNext(redirect);
  redirect.setNext(telemetry);
  telemetry.setNext(http);
  const host = new URL(settings.graphBaseUrl).hostname;
  return Client.initWithMiddleware({
    middleware: retry,
    baseUrl: settings.graphBaseUrl,
    defaultVersion: "v1.0",
    // The Graph client sends tokens only to hosts it knows; sovereign and test hosts must be listed.
    ...(MICROSOFT_GRAPH_HOSTS.has(host) ? {} : { customHosts: new Set([host]) }),
  });
}
