/**
 * LDAPS clients for the fixture and the tests. Certificates are always verified against the DC's
 * test CA: the host name checked is the IP in the URL, which the server certificate carries as a SAN.
 */
import { Client } from "ldapts";
import type { SambaDc } from "./types";

export interface BindOptions {
  url: string;
  caPem: string | string[];
  bindDn: string;
  password: string;
  connectTimeoutMs?: number;
  timeoutMs?: number;
}

/** Connects over LDAPS, verifying the certificate, and simple-binds. Unbinds if the bind fails. */
export async function bindClient(o: BindOptions): Promise<Client> {
  const client = new Client({
    url: o.url,
    connectTimeout: o.connectTimeoutMs ?? 5_000,
    timeout: o.timeoutMs ?? 30_000,
    tlsOptions: { ca: Array.isArray(o.caPem) ? o.caPem : [o.caPem] },
  });
  try {
    await client.bind(o.bindDn, o.password);
    return client;
  } catch (error) {
    await client.unbind().catch(() => undefined);
    throw error;
  }
}

/** A bound Administrator client over LDAPS. The caller unbinds it. */
export function adminClient(dc: SambaDc): Promise<Client> {
  return bindClient({ url: dc.url, caPem: dc.caCertPem, bindDn: dc.adminBindDn, password: dc.adminPassword });
}

/** Runs `fn` with an admin client (or the given one) and unbinds only what it opened itself. */
export async function withAdminClient<T>(
  dc: SambaDc,
  fn: (client: Client) => Promise<T>,
  client?: Client,
): Promise<T> {
  if (client) return fn(client);
  const own = await adminClient(dc);
  try {
    return await fn(own);
  } finally {
    await own.unbind().catch(() => undefined);
  }
}

/** Runs `fn` over `items` with at most `limit` in flight (LDAP requests pipeline on one connection). */
export async function mapConcurrent<T, R>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
