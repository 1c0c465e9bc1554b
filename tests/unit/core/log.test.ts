/** The provider's logger never prints a registered secret, and honours its level. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { log, redact, registerSecret } from "../../../provider/log";

function captured(run: () => void): string {
  const write = process.stderr.write;
  let out = "";
  process.stderr.write = ((chunk: string) => {
    out += chunk;
    return true;
  }) as typeof process.stderr.write;
  try {
    run();
  } finally {
    process.stderr.write = write;
  }
  return out;
}

test("registered secrets are redacted, also single lines of a PEM key", () => {
  registerSecret("S3cr#t-bind-pw");
  registerSecret("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----");
  const out = captured(() =>
    log.warn("bind S3cr#t-bind-pw failed; key line MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"),
  );
  assert.equal(out, "ad-entra-link: warning: bind *** failed; key line ***\n");
  assert.equal(redact("short"), "short");
});

test("debug lines appear only with AD_ENTRA_LINK_LOG_LEVEL=debug; error always", () => {
  delete process.env["AD_ENTRA_LINK_LOG_LEVEL"];
  assert.equal(
    captured(() => log.debug("hidden")),
    "",
  );
  process.env["AD_ENTRA_LINK_LOG_LEVEL"] = "debug";
  assert.equal(
    captured(() => log.debug("shown")),
    "ad-entra-link: debug: shown\n",
  );
  process.env["AD_ENTRA_LINK_LOG_LEVEL"] = "error";
  assert.equal(
    captured(() => log.info("quiet")),
    "",
  );
  assert.equal(
    captured(() => log.error("loud")),
    "ad-entra-link: error: loud\n",
  );
  delete process.env["AD_ENTRA_LINK_LOG_LEVEL"];
});
