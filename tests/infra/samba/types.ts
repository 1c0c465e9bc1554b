/** Shapes shared by the Samba fixture modules (kept apart to avoid import cycles). */

export interface SambaDcOptions {
  /** Loopback address the DC binds to; one per DC so several can run side by side. Default 127.0.0.2. */
  ip?: string;
  /** Where the domain is provisioned; default a new mkdtemp folder (removed by stop()). */
  workDir?: string;
  /** Administrator password; must satisfy Samba's default complexity rules. */
  adminPassword?: string;
  /** Short host name of the DC; FQDN is `<hostname>.<AD_DOMAIN>`. Default "dc1". */
  hostname?: string;
  /** Folder of the test CA to use (created if absent); default `<workDir>/tls/ca`, i.e. one CA per DC. */
  caDir?: string;
  /** Keep the work dir on stop() (for post-mortems). Default false, or AD_ENTRA_LINK_KEEP_SAMBA=1. */
  keepWorkDir?: boolean;
  /** Samba terminates itself after this many seconds (safety net); 0 = never. Default 4 h. */
  maxRuntimeSeconds?: number;
  /** Samba debug level written to `<workDir>/samba.log`. Default 1. */
  debugLevel?: number;
  /** How long to wait for LDAPS to answer a bind. Default 60 000 ms. */
  startTimeoutMs?: number;
}

export interface SambaDc {
  ip: string;
  /** FQDN, present in the server certificate next to the IP. */
  hostname: string;
  /** ldaps://<ip>:636 */
  url: string;
  /** ldap://<ip>:389; simple binds are refused there (strong auth required). */
  plainUrl: string;
  baseDn: string;
  realm: string;
  adminBindDn: string;
  adminPassword: string;
  caCertPath: string;
  caCertPem: string;
  workDir: string;
  /** smb.conf of this DC (for samba-tool -s). */
  configPath: string;
  /** Local sam.ldb path (for samba-tool -H while the DC runs). */
  samLdbPath: string;
  logPath: string;
  pid: number;
  /** Milliseconds since start at which each phase finished (certsMs, provisionMs, ldapsReadyMs, totalMs). */
  timings: Record<string, number>;
  /** SIGTERM, then SIGKILL after a grace period; waits for exit; removes workDir unless kept. */
  stop(): Promise<void>;
}
