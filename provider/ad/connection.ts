/**
 * The adapter's one LDAP connection: TLS (LDAPS, or StartTLS before the bind — never a bind in clear
 * text), bind, deadlines on every operation, and one reconnect for reads. Internal to provider/ad:
 * the client never leaves this folder.
 */
import * as net from "node:net";
import type { ConnectionOptions } from "node:tls";
import { Client, ResultCodeError } from "ldapts";
import type { LdapSettings } from "../config/settings";
import {
  type AdEntraLinkError,
  ConfigurationError,
  DirectoryRequestError,
  DirectoryUnavailableError,
  PermissionDeniedError,
} from "../errors";
import { SharedAttempt } from "../shared-attempt";
import { isRawReset, mapLdapError, mapTlsError, tlsHandshakeReset } from "./ldap-errors";

const SIDE = { side: "onPremises" } as const;

/** A copy of a connect/bind failure that says the write was never sent. */
function notSent(err: AdEntraLinkError): AdEntraLinkError {
  const options = { cause: err, requestSent: false, ...SIDE };
  switch (err.name) {
    case "ConfigurationError":
      return new ConfigurationError(err.code, err.message, options);
    case "PermissionDeniedError":
      return new PermissionDeniedError(err.code, err.message, options);
    case "DirectoryRequestError":
      return new DirectoryRequestError(err.code, err.message, options);
    default:
      return new DirectoryUnavailableError(err.code, err.message, options);
  }
}

export class LdapConnection {
  /** The shared bound client: a failed connect is forgotten, so the next operation tries again. */
  private readonly shared = new SharedAttempt<Client>(() => this.connect());
  /** Set by close(): no reconnect after that, even from a read that was still in flight. */
  private closed = false;
  /** The client the shared attempt resolved to, once it has. */
  private connected: Client | undefined;
  /** Count of connections opened and bound (benchmarks and tests assert reuse). */
  connectionsOpened = 0;

  constructor(private readonly settings: LdapSettings) {}

  /** The shared, bound client; reconnects after a failure. Never handed out. */
  async client(): Promise<Client> {
    if (this.closed) {
      throw new DirectoryUnavailableError(
        "LDAP_CLOSED",
        "ad-entra-link: the LDAP connection was closed by the provider.",
        SIDE,
      );
    }
    const current = this.shared.peek();
    if (current !== undefined) {
      // ldapts reconnects on its own when an operation finds the socket closed (in plain text, for
      // a StartTLS URL) and several operations doing so at once can leave one pending forever. A
      // dead client is therefore replaced here, once, by a fresh bound connection all callers share.
      const client = await current.catch(() => undefined);
      if (client?.isConnected) return client;
      this.shared.forget(current);
    }
    return this.shared.get();
  }

  /** Every operation settles within the configured timeout, whatever the socket does. */
  withDeadline<T>(what: string, op: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = Object.assign(new Error(`${what}: no answer within ${this.settings.timeoutInMs} ms`), {
          code: "ETIMEDOUT",
        });
        reject(err);
      }, this.settings.timeoutInMs);
    });
    return Promise.race([op, deadline]).finally(() => clearTimeout(timer)) as Promise<T>;
  }

  private tlsOptions(): ConnectionOptions {
    return {
      ...(this.settings.caCertificate !== undefined ? { ca: [this.settings.caCertificate] } : {}),
      // Only ever false after the user set ldapTlsInsecureSkipVerify, which is warned about loudly.
      rejectUnauthorized: !this.settings.tlsInsecureSkipVerify,
      minVersion: "TLSv1.2",
    };
  }

  /**
   * One bound client for `url`. `ldaps://` does TLS on connect; `ldap://` gets a client WITHOUT
   * tlsOptions (ldapts would otherwise send a TLS ClientHello to the plain port), then StartTLS, and
   * only then the bind. A plain connection is never bound, whatever the settings say.
   */
  private async open(url: string): Promise<Client> {
    const parsed = new URL(url);
    const plain = parsed.protocol === "ldap:";
    if (plain && !this.settings.startTls) {
      throw new ConfigurationError(
        "CONFIG_PLAINTEXT_LDAP",
        "ad-entra-link: an ldap:// URL is configured without ad-entra-link:ldapStartTls; the bind password would cross the network in clear text, so no connection is made. Use ldaps://, or set ad-entra-link:ldapStartTls to true.",
        SIDE,
      );
    }
    const tls = this.tlsOptions();
    const client = new Client({
      url,
      timeout: this.settings.timeoutInMs,
      connectTimeout: Math.min(this.settings.timeoutInMs, 10_000),
      ...(plain ? {} : { tlsOptions: tls }),
    });
    try {
      if (plain) {
        // The certificate is checked against the URL's host (a bare socket would default to "localhost").
        const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
        const identity = net.isIP(host) === 0 ? { host, servername: host } : { host };
        await this.withDeadline(`StartTLS on ${url}`, client.startTLS({ ...tls, ...identity })).catch(
          (err: unknown) => {
            throw this.startTlsFailure(err, url);
          },
        );
      }
      const operation = `bind to ${url} as ${this.settings.bindDn}`;
      await this.withDeadline(operation, client.bind(this.settings.bindDn, this.settings.bindPassword)).catch(
        (err: unknown) => {
          // A raw reset before the TLS session exists: the peer hung up on the ClientHello.
          throw !plain && isRawReset(err) ? tlsHandshakeReset(operation, err) : err;
        },
      );
      return client;
    } catch (err) {
      await client.unbind().catch(() => undefined);
      throw err;
    }
  }

  private startTlsFailure(err: unknown, url: string): AdEntraLinkError {
    const operation = `StartTLS on ${url}`;
    if (err instanceof ResultCodeError) {
      return new ConfigurationError(
        "LDAP_TLS_STARTTLS_REFUSED",
        `ad-entra-link: ${operation}: the domain controller refused StartTLS (${err.name}); nothing was sent in clear text. This is a TLS problem: give the DC a certificate, or use an ldaps:// URL in ad-entra-link:ldapUrl.`,
        { cause: err, ...SIDE },
      );
    }
    const code = (err as { code?: unknown }).code;
    if (typeof code === "string" && code !== "ETIMEDOUT" && !code.startsWith("ECONN")) {
      return mapTlsError(code, operation, err);
    }
    return mapLdapError(err, operation);
  }

  private async connect(): Promise<Client> {
    let lastError: AdEntraLinkError | undefined;
    for (const url of this.settings.urls) {
      try {
        const client = await this.open(url);
        this.connectionsOpened++;
        this.connected = client;
        return client;
      } catch (err) {
        lastError = mapLdapError(err, `bind to ${url} as ${this.settings.bindDn}`);
      }
    }
    throw (
      lastError ??
      new ConfigurationError(
        "CONFIG_MISSING",
        "ad-entra-link: no LDAP URL is configured (ad-entra-link:ldapUrl).",
        SIDE,
      )
    );
  }

  /** Runs `op` on the shared client, reconnecting once if the connection dropped. For reads only. */
  async retrying<T>(what: string, op: (client: Client) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const client = await this.client();
      try {
        return await op(client);
      } catch (err) {
        const mapped = mapLdapError(err, what);
        if (mapped.name === "DirectoryUnavailableError" && attempt === 0) {
          this.dropClient(client);
          continue;
        }
        if (mapped.name === "DirectoryUnavailableError") this.dropClient(client);
        throw mapped;
      }
    }
  }

  /** A read within the deadline, retried once on a fresh connection. Reads are always safe to retry. */
  read<T>(what: string, op: (client: Client) => Promise<T>): Promise<T> {
    return this.retrying(what, (client) => this.withDeadline(what, op(client)));
  }

  private dropClient(client: Client): void {
    // Only forget the shared client if it is still this one (a concurrent caller may have replaced it).
    if (this.connected === client) {
      this.shared.forget();
      this.connected = undefined;
    }
    client.unbind().catch(() => undefined);
  }

  /**
   * One write on the shared client, never retried (the caller re-reads and re-plans instead, so a
   * write is never applied twice on stale data).
   * @throws an AdEntraLinkError with `requestSent: false` when connect or bind failed (nothing was sent)
   */
  async write(what: string, op: (client: Client) => Promise<unknown>): Promise<void> {
    const client = await this.client().catch((err: unknown) => {
      throw notSent(mapLdapError(err, what));
    });
    try {
      await this.withDeadline(what, op(client));
    } catch (err) {
      const mapped = mapLdapError(err, what);
      if (mapped.name === "DirectoryUnavailableError") this.dropClient(client);
      throw mapped;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const pending = this.shared.peek();
    this.shared.forget();
    if (pending) await (await pending.catch(() => undefined))?.unbind().catch(() => undefined);
  }
}
