/**
 * Security: TLS is verified unless explicitly (and loudly) switched off; secrets never reach state,
 * output or errors; LDAP and OData filter values cannot change a query; and the provider fails
 * clearly, writing nothing, when the Graph app or the AD service account lacks a right.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, test } from "node:test";
import { ClientSecretCredential } from "@azure/identity";
import { Client } from "@microsoft/microsoft-graph-client";
import { TokenCredentialAuthenticationProvider } from "@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials";
import { AdDirectory } from "../../provider/ad/ad-directory";
import { escapeFilterValue } from "../../provider/core/ldap-escape";
import { EntraDirectory } from "../../provider/entra/graph-directory";
import { AD_BASE_DN } from "../fixtures/seed-scenario";
import { findUsers } from "../infra/samba";
import { SERVICE_ACCOUNT_NAME, SERVICE_ACCOUNT_PASSWORD } from "../infra/samba/service-account";
import { getTestEnv, type TestEnv } from "../support/test-env";
import { type LinkEntry, LinkStack, output, snapshotBoth } from "./support/harness";
import {
  checkLinks,
  clearSettingEnvironment,
  closeLeakedLdapSockets,
  configLookup,
  settingsFor,
} from "./support/in-process";
import { type SafetyScenario, safetyScenario } from "./support/scenario";

let env: TestEnv;
let s: SafetyScenario;
const stacks: LinkStack[] = [];

function adamLink(sc: SafetyScenario, extra: Record<string, unknown> = {}): LinkEntry {
  return {
    name: "adam",
    args: {
      onPremises: { samAccountName: sc.users["adam"]!.seed.sAMAccountName },
      cloud: { userPrincipalName: sc.cloud["adam"]!.userPrincipalName },
      ...extra,
    },
  };
}

function chenHard(sc: SafetyScenario): LinkEntry {
  return {
    name: "chen",
    args: {
      onPremises: { samAccountName: sc.users["chen"]!.seed.sAMAccountName },
      cloud: { userPrincipalName: sc.cloud["chen"]!.userPrincipalName },
      match: "hard",
    },
  };
}

async function openStack(
  name: string,
  sc: SafetyScenario,
  links: LinkEntry[],
  o: Partial<Parameters<typeof LinkStack.open>[1]> = {},
): Promise<LinkStack> {
  const st = await LinkStack.open(env, {
    stackName: name,
    tenantId: sc.tenantId,
    baseDn: sc.ou,
    links,
    ...o,
  });
  stacks.push(st);
  return st;
}

/** Every file under `dir` (state backend, Pulumi home, program folder with its stack config). */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isSymbolicLink()) continue; // node_modules link to the repository
    if (entry.isDirectory()) out.push(...filesUnder(full));
    else if (entry.isFile() && fs.statSync(full).size < 50 * 1024 * 1024) out.push(full);
  }
  return out;
}

/** The forms a leaked secret could take: as is, JSON-escaped, Base64. */
function forms(secret: string): string[] {
  return [secret, JSON.stringify(secret).slice(1, -1), Buffer.from(secret).toString("base64")];
}

before(async () => {
  clearSettingEnvironment();
  env = await getTestEnv();
  s = await safetyScenario(env, "sfs", ["adam", "chen"]);
});

after(async () => {
  await Promise.all(stacks.map((st) => st.dispose()));
  closeLeakedLdapSockets();
});

test("TLS: a DC certificate from another CA is refused, with no opt-out unless explicitly configured", async () => {
  const before = await snapshotBoth(env, s.dc, s.ou, s.tenantId);
  const [wrongCa] = await checkLinks(
    configLookup(
      env,
      { tenantId: s.tenantId, baseDn: s.ou },
      { "ad-entra-link:ldapCaCertificatePath": env.emulator.caCertPath },
    ),
    [adamLink(s)],
  );
  assert.equal(wrongCa!.thrown?.name, "ConfigurationError", String(wrongCa!.thrown?.stack));
  assert.equal((wrongCa!.thrown as Error & { code?: string }).code, "LDAP_TLS_UNTRUSTED");
  assert.match(
    wrongCa!.thrown!.message,
    /^ad-entra-link: bind to ldaps:\/\/127\.[0-9.]+:636 as CN=Administrator,CN=Users,DC=corp,DC=local: the domain controller's TLS certificate was not accepted \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\)\. Set ad-entra-link:ldapCaCertificate to the CA that issued it/,
  );
  assert.doesNotMatch(wrongCa!.log, /ldapTlsInsecureSkipVerify/, "no opt-out without configuration");
  assert.deepEqual(await snapshotBoth(env, s.dc, s.ou, s.tenantId), before);
});

test("TLS opt-out: ldapTlsInsecureSkipVerify connects to an untrusted DC and says so loudly on every run", async () => {
  const st = await openStack("sfstls", s, [adamLink(s)], {
    config: {
      "ad-entra-link:ldapCaCertificatePath": env.emulator.caCertPath,
      "ad-entra-link:ldapTlsInsecureSkipVerify": "true",
    },
  });
  const res = await st.preview();
  assert.equal(res.code, 0, output(res));
  assert.match(
    output(res),
    /ad-entra-link: warning: ldapTlsInsecureSkipVerify is true: the domain controller's certificate is NOT verified\. Anyone on the network path can read the bind password and change what this tool writes\. Configure ldapCaCertificate instead\./,
  );
});

test("secrets (bind password, client secret, certificate key) never reach state, files, output or errors", async () => {
  const certApp = s.created.apps.find((a) => a.certificatePem !== undefined)!;
  const secretApp = s.created.apps.find(
    (a) => a.secret !== undefined && a.roles.includes("User.ReadWrite.All"),
  )!;
  const keyPem = certApp.privateKeyPem!;
  const keyBody = keyPem
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("-----"))
    .join("");
  const wrongPassword = "Wr0ng-Bind-Pa55!";
  const wrongSecret = "not-the-secret~Zq7";
  const secrets: Record<string, string> = {
    "LDAP bind password": env.samba.adminPassword,
    "client secret": secretApp.secret!,
    "certificate private key": keyBody.slice(0, 64),
    "wrong bind password": wrongPassword,
    "wrong client secret": wrongSecret,
  };
  const leaks = (text: string): string[] =>
    Object.entries(secrets).flatMap(([what, v]) => (forms(v).some((f) => text.includes(f)) ? [what] : []));

  // A: credentials as secret stack config. preview, up, refresh, two failing runs, destroy.
  const a = await openStack("sfssecret", s, [adamLink(s, { onDelete: "restore" }), chenHard(s)]);
  // B: credentials from the environment (the documented fallback), client certificate PEM included.
  const b = await openStack("sfsenv", s, [adamLink(s, { onDelete: "restore" })], {
    config: { "ad-entra-link:clientId": certApp.clientId },
    secrets: { "ad-entra-link:clientSecret": undefined, "ad-entra-link:ldapBindPassword": undefined },
  });
  b.sandbox.envVars["AD_ENTRA_LINK_LDAP_BIND_PASSWORD"] = env.samba.adminPassword;
  b.sandbox.envVars["AD_ENTRA_LINK_CLIENT_CERTIFICATE"] =
    `${certApp.certificatePem!.trim()}\n${keyPem.trim()}\n`;

  assert.equal((await a.preview()).code, 0);
  const up = await a.up();
  assert.equal(up.code, 0, output(up));
  assert.equal((await a.refresh()).code, 0);
  await a.stack.setConfig("ad-entra-link:ldapBindPassword", { value: wrongPassword, secret: true });
  const badBind = await a.preview();
  assert.notEqual(badBind.code, 0);
  assert.match(
    output(badBind),
    /the domain controller rejected the bind credentials\. Check ad-entra-link:ldapBindDn and ad-entra-link:ldapBindPassword\./,
  );
  await a.stack.setConfig("ad-entra-link:ldapBindPassword", { value: env.samba.adminPassword, secret: true });
  await a.stack.setConfig("ad-entra-link:clientSecret", { value: wrongSecret, secret: true });
  const badSecret = await a.preview();
  assert.notEqual(badSecret.code, 0);
  assert.match(
    output(badSecret),
    /ad-entra-link: read .*: Entra ID did not issue a token \(Authentication\w*Error: .*\)\. Check ad-entra-link:tenantId, clientId and the credential\./,
  );
  await a.stack.setConfig("ad-entra-link:clientSecret", { value: secretApp.secret!, secret: true });
  // State as `pulumi stack export` writes it (secrets stay ciphertext) and decrypted (Automation API).
  // A is destroyed before B links the same user: a stack owns the users it links until it releases them.
  const exported = [await a.run("stack", "export")];
  const decryptedA = await a.stack.exportStack();
  assert.equal((await a.destroy()).code, 0);
  const upB = await b.up();
  assert.equal(upB.code, 0, output(upB));
  exported.push(await b.run("stack", "export"));
  const decryptedB = await b.stack.exportStack();
  assert.equal((await b.destroy()).code, 0);

  for (const e of exported) assert.deepEqual(leaks(e.stdout), [], "pulumi stack export");
  // Decrypted, A's secrets exist only in the engine's copy of the stack config (the default
  // provider's inputs, stored encrypted); no UserLink holds one, and B (environment) has none at all.
  type Res = { type: string; inputs?: unknown; outputs?: Record<string, unknown> };
  const resourcesA = decryptedA.deployment.resources as Res[];
  for (const r of resourcesA) {
    if (r.type === "pulumi:providers:pulumi-nodejs") continue;
    assert.deepEqual(leaks(JSON.stringify(r)), [], `${r.type} in decrypted state`);
  }
  assert.deepEqual(
    leaks(JSON.stringify(resourcesA.filter((r) => r.type === "pulumi:providers:pulumi-nodejs"))),
    ["LDAP bind password", "client secret"],
    "the stack config copy: the control that proves the search finds what is there",
  );
  assert.deepEqual(leaks(JSON.stringify(decryptedB)), [], "environment credentials never enter state");
  // The serialized provider is plain code that captured nothing secret (Pulumi would mark it secret).
  const link = resourcesA.find((r) => r.type === "pulumi-nodejs:dynamic/ad-entra-link:UserLink")!;
  assert.equal(typeof link.outputs?.["__provider"], "string", "__provider is not a secret");
  assert.match(link.outputs!["__provider"] as string, /require\("ad-entra-link\/runtime"\)/);

  // Every byte of output, and every file of the backends, program folders and Pulumi homes.
  const haystacks = [
    ...[a, b].flatMap((st) =>
      st.transcript.map((r, i) => ({
        where: `${st.stackName} command ${i}`,
        text: `${r.stdout}\n${r.stderr}`,
      })),
    ),
    ...[a, b].flatMap((st) =>
      filesUnder(st.root).map((f) => ({ where: f, text: fs.readFileSync(f, "latin1") })),
    ),
  ];
  assert.ok(haystacks.length > 20, "outputs and files were collected");
  for (const h of haystacks) assert.deepEqual(leaks(h.text), [], h.where);
  const stackConfig = fs.readFileSync(path.join(a.workDir, "Pulumi.sfssecret.yaml"), "utf8");
  assert.match(
    stackConfig,
    /ad-entra-link:clientSecret:\n\s+secure: /,
    "secrets are kept encrypted in the stack config",
  );
});

test("LDAP filter values are escaped: injection strings that match users unescaped match nothing", async () => {
  const settings = settingsFor(env, { tenantId: s.tenantId, baseDn: s.ou });
  const ad = new AdDirectory(settings.ldap);
  try {
    for (const hostile of ["*", "*@corp.local", "a*", "*)(objectClass=*", "x)(|(userPrincipalName=*"]) {
      // Control: the same value spliced in unescaped matches users (so this test can fail).
      const unescapedMatches = (await findUsers(s.dc, s.ou, `(userPrincipalName=${hostile})`).catch(() => []))
        .length;
      await assert.rejects(
        ad.findUser({ userPrincipalName: hostile }),
        (err: Error & { code?: string }) => err.name === "NotFoundError" && err.code === "AD_USER_NOT_FOUND",
        hostile,
      );
      assert.deepEqual(await ad.findHolders([hostile], ""), [], `${hostile}: no collision holder`);
      if (["*", "*@corp.local", "a*"].includes(hostile))
        assert.ok(unescapedMatches > 0, `control for ${hostile}`);
    }
    assert.equal(escapeFilterValue("*)(\\\u0000"), "\\2a\\29\\28\\5c\\00");
    // The escaped form of a real user's value still finds exactly that user.
    const adam = await ad.findUser({ userPrincipalName: s.users["adam"]!.seed.userPrincipalName });
    assert.equal(adam.dn, s.users["adam"]!.dn);
    assert.equal((await findUsers(s.dc, s.ou, "")).length, 2);
  } finally {
    await ad.close();
  }
});

test("OData filter values are escaped: a quote cannot widen a collision search", async () => {
  const settings = settingsFor(env, { tenantId: s.tenantId, baseDn: s.ou });
  const entra = new EntraDirectory(settings.entra);
  const hostile = "x' or startswith(userPrincipalName,'a') or userPrincipalName eq 'y";
  const holders = await entra.findHolders([hostile], "");
  assert.deepEqual(holders, [], "the quote stays inside the string literal");
  // Control: spliced in unescaped by a plain Graph client, the same text matches every user of the tenant.
  const e = settings.entra;
  const credential = new ClientSecretCredential(e.tenantId, e.clientId!, e.clientSecret!, {
    authorityHost: e.authorityHost!,
    disableInstanceDiscovery: true,
  });
  const plain = Client.initWithMiddleware({
    authProvider: new TokenCredentialAuthenticationProvider(credential, {
      scopes: ["https://graph.microsoft.com/.default"],
    }),
    baseUrl: e.graphBaseUrl,
    defaultVersion: "v1.0",
    customHosts: new Set([new URL(e.graphBaseUrl).hostname]),
  });
  const raw = (await plain.api("/users").filter(`userPrincipalName eq '${hostile}'`).select("id").get()) as {
    value: unknown[];
  };
  assert.ok(raw.value.length > 0, `unescaped, ${raw.value.length} users match`);
});

test("least privilege in Graph: a read-only app gets a clear PermissionDeniedError naming the missing permission", async () => {
  const readOnly = s.created.apps.find((a) => a.roles.length === 1 && a.roles[0] === "User.Read.All")!;
  const before = await snapshotBoth(env, s.dc, s.ou, s.tenantId);
  const [o] = await checkLinks(
    configLookup(env, {
      tenantId: s.tenantId,
      baseDn: s.ou,
      clientId: readOnly.clientId,
      clientSecret: readOnly.secret!,
    }),
    [adamLink(s)],
  );
  const err = o!.thrown as Error & { code?: string };
  assert.equal(err?.name, "PermissionDeniedError", String(err?.stack));
  assert.equal(err.code, "ENTRA_PERMISSION_DENIED");
  const m =
    /Microsoft Graph answered 403 \(Authorization_RequestDenied: .*\)\. Grant the app the application permission ([A-Za-z.]+) with admin consent\./.exec(
      err.message,
    );
  assert.ok(m, err.message);
  assert.ok(
    [
      "Domain.Read.All",
      "Organization.Read.All",
      "RoleManagement.Read.Directory",
      "RoleEligibilitySchedule.Read.Directory",
    ].includes(m[1]!),
    `names a permission the app lacks: ${m[1]}`,
  );
  assert.ok(!readOnly.roles.includes(m[1]!));
  assert.deepEqual(await snapshotBoth(env, s.dc, s.ou, s.tenantId), before, "nothing written");
});

test("least privilege in Graph: an app that can read but not write users fails the ImmutableId write clearly", async () => {
  const sc = await safetyScenario(env, "sfsw", ["adam", "chen"]);
  const reader = await env.control.addApp(sc.tenantId, {
    clientId: "11111111-aaaa-4bbb-8ccc-0000000000f5",
    displayName: "reads everything, writes nothing",
    secret: "reader-secret-Fk2~p9",
    roles: [
      "User.Read.All",
      "Domain.Read.All",
      "Organization.Read.All",
      "RoleManagement.Read.Directory",
      "RoleEligibilitySchedule.Read.Directory",
      "GroupMember.Read.All",
      "OrgContact.Read.All",
    ],
  });
  const st = await openStack("sfsw", sc, [chenHard(sc)], {
    config: { "ad-entra-link:clientId": reader.clientId },
    secrets: { "ad-entra-link:clientSecret": reader.secret! },
  });
  const up = await st.up();
  assert.notEqual(up.code, 0);
  assert.match(
    output(up),
    // The first write is the ownership record on the cloud user, before anything else is written.
    /3eab7d84-cf4a-4c5b-9d6e-8a9fab1c2d04.*: Microsoft Graph answered 403 \(Authorization_RequestDenied: .*\)\. Grant the app the application permission User\.ReadWrite\.All with admin consent\./,
  );
  assert.equal((await env.control.getUser(sc.tenantId, sc.cloud["chen"]!.id)).onPremisesImmutableId, null);
});

test("least privilege in AD: the service account is refused outside allowedSearchBases and by the DC outside its OUs", async () => {
  // OU=Restricted: the seed's service account has no write right there; OU=Staff: it does.
  const restricted = await safetyScenario(env, "sfsr", ["adam"], { parentDn: `OU=Restricted,${AD_BASE_DN}` });
  const staff = await safetyScenario(env, "sfst", ["adam"], { parentDn: `OU=Staff,${AD_BASE_DN}` });
  const svc = {
    "ad-entra-link:ldapBindDn": `CN=${SERVICE_ACCOUNT_NAME},OU=Service Accounts,${AD_BASE_DN}`,
    "ad-entra-link:ldapBindPassword": SERVICE_ACCOUNT_PASSWORD,
  };
  const before = await snapshotBoth(env, restricted.dc, restricted.ou, restricted.tenantId);

  // 1. allowedSearchBases: the admin only allowed OU=Staff; the Restricted user is refused at preview.
  const [outside] = await checkLinks(
    configLookup(
      env,
      { tenantId: restricted.tenantId, baseDn: restricted.ou, allowedSearchBases: [staff.ou] },
      svc,
    ),
    [adamLink(restricted)],
  );
  assert.equal(outside!.failures.length, 1, JSON.stringify(outside));
  assert.match(
    outside!.failures[0]!.reason,
    /^SafetyBlockError \[AD_USER_OUTSIDE_ALLOWED_BASES\]: ad-entra-link: the Active Directory user CN=Adam Anderson \(sfsr\),OU=t-sfsr,OU=Restricted,DC=corp,DC=local is outside the allowed search bases \(OU=t-sfst,OU=Staff,DC=corp,DC=local\)/,
  );

  // 2. Allowed by config, but the DC refuses the service account's write: clear, nothing written.
  const [restrictedUp, staffUp] = await Promise.all([
    openStack("sfsr", restricted, [adamLink(restricted)], {
      config: { "ad-entra-link:ldapBindDn": svc["ad-entra-link:ldapBindDn"] },
      secrets: { "ad-entra-link:ldapBindPassword": SERVICE_ACCOUNT_PASSWORD },
    }).then((st) => st.up()),
    openStack("sfst", staff, [adamLink(staff)], {
      config: { "ad-entra-link:ldapBindDn": svc["ad-entra-link:ldapBindDn"] },
      secrets: { "ad-entra-link:ldapBindPassword": SERVICE_ACCOUNT_PASSWORD },
    }).then((st) => st.up()),
  ]);
  assert.notEqual(restrictedUp.code, 0);
  assert.match(
    output(restrictedUp),
    /ad-entra-link: modify CN=Adam Anderson \(sfsr\),OU=t-sfsr,OU=Restricted,DC=corp,DC=local: the service account lacks the right \(insufficientAccessRights\)\. Grant it write access to userPrincipalName, mail, proxyAddresses and mS-DS-ConsistencyGuid/,
  );
  assert.deepEqual(
    await snapshotBoth(env, restricted.dc, restricted.ou, restricted.tenantId),
    before,
    "nothing written",
  );
  // Control: the same account, where it has the right, succeeds.
  assert.equal(staffUp.code, 0, output(staffUp));
});
