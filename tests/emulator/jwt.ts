/**
 * Minimal JWT (JWS compact) signing and verification with node:crypto: RS256 and PS256, which is
 * what MSAL node signs client assertions with (PS256 when it knows the SHA-256 thumbprint) and what
 * the emulator signs its own access tokens with (RS256, like Entra ID).
 */
import * as crypto from "node:crypto";

export type JwtAlgorithm = "RS256" | "PS256";

export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

export function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString("base64url");
}

export function signJwt(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  privateKey: crypto.KeyObject | string,
): string {
  const alg = header["alg"];
  if (alg !== "RS256" && alg !== "PS256") throw new Error(`signJwt: unsupported alg ${String(alg)}`);
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  const key = typeof privateKey === "string" ? crypto.createPrivateKey(privateKey) : privateKey;
  const signature =
    alg === "RS256"
      ? crypto.sign("sha256", Buffer.from(signingInput), key)
      : crypto.sign("sha256", Buffer.from(signingInput), {
          key,
          padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
          saltLength: crypto.constants.RSA_PSS_SALTLEN_DIGEST,
        });
  return `${signingInput}.${base64url(signature)}`;
}

/** Splits and parses a compact JWS; returns undefined when it is not one. Does not verify anything. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  const [h, p, s] = parts as [string, string, string];
  try {
    const header = JSON.parse(Buffer.from(h, "base64url").toString("utf8")) as unknown;
    const payload = JSON.parse(Buffer.from(p, "base64url").toString("utf8")) as unknown;
    if (!isRecord(header) || !isRecord(payload)) return undefined;
    return { header, payload, signingInput: `${h}.${p}`, signature: Buffer.from(s, "base64url") };
  } catch {
    return undefined;
  }
}

export function verifyJwtSignature(jwt: DecodedJwt, publicKey: crypto.KeyObject): boolean {
  const alg = jwt.header["alg"];
  const data = Buffer.from(jwt.signingInput);
  try {
    if (alg === "RS256") return crypto.verify("sha256", data, publicKey, jwt.signature);
    if (alg === "PS256") {
      return crypto.verify(
        "sha256",
        data,
        {
          key: publicKey,
          padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
          saltLength: crypto.constants.RSA_PSS_SALTLEN_AUTO,
        },
        jwt.signature,
      );
    }
  } catch {
    return false;
  }
  return false;
}

/** Certificate thumbprints as MSAL puts them in `x5t` (SHA-1) and `x5t#S256`: base64url of the digest of the DER. */
export function certificateThumbprints(certPem: string): { x5t: string; x5tS256: string; sha1Hex: string } {
  const der = new crypto.X509Certificate(certPem).raw;
  const sha1 = crypto.createHash("sha1").update(der).digest();
  const sha256 = crypto.createHash("sha256").update(der).digest();
  return { x5t: base64url(sha1), x5tS256: base64url(sha256), sha1Hex: sha1.toString("hex").toUpperCase() };
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
