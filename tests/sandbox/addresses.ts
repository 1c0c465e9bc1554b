/**
 * Picking a loopback address for the sandbox's DC. Linux routes all of 127.0.0.0/8 to `lo`, so
 * every 127.0.0.x is usable without adding addresses; an address is free when nothing listens on
 * the DC's LDAP ports there (a listener on 0.0.0.0 blocks them all, and is reported as such).
 */
import * as net from "node:net";

/** The ports the DC's `ldap` task serves. */
export const DC_PORTS = [389, 636, 3268, 3269] as const;

/** Where the sandbox starts when nothing else is asked for (as before --keep existed). */
export const DEFAULT_SANDBOX_IP = "127.0.0.3";

function portFree(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen({ host: ip, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export async function addressFree(ip: string): Promise<boolean> {
  for (const port of DC_PORTS) if (!(await portFree(ip, port))) return false;
  return true;
}

/** `preferred` when free, else the first free address from 127.0.0.3 up; throws when none is. */
export async function pickFreeLoopback(preferred = DEFAULT_SANDBOX_IP): Promise<string> {
  if (await addressFree(preferred)) return preferred;
  for (let last = 3; last <= 254; last++) {
    const ip = `127.0.0.${last}`;
    if (ip !== preferred && (await addressFree(ip))) return ip;
  }
  throw new Error(
    `no free loopback address for the sandbox's DC: ports ${DC_PORTS.join(", ")} are taken on 127.0.0.3–127.0.0.254 (is a system LDAP or Samba service listening on 0.0.0.0?)`,
  );
}
