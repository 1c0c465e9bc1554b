/** The emulator's token-signing key (one per instance), published as a JWKS like Entra ID's discovery keys. */
import * as crypto from "node:crypto";

export interface SigningKey {
  kid: string;
  privateKey: crypto.KeyObject;
  publicKey: crypto.KeyObject;
  jwk: crypto.JsonWebKey & { kid: string; use: string; alg: string };
}

export function createSigningKey(): SigningKey {
  const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  const der = publicKey.export({ type: "spki", format: "der" });
  const kid = crypto.createHash("sha256").update(der).digest("base64url").slice(0, 27);
  const jwk = { ...publicKey.export({ format: "jwk" }), kid, use: "sig", alg: "RS256" };
  return { kid, privateKey, publicKey, jwk };
}
