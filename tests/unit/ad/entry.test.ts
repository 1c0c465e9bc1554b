/** Entry decoding (objectSid, objectClass, GUID) and holder classification, without a directory. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Entry } from "ldapts";
import { mostSpecificClass, sidToString, toAdUser } from "../../../provider/ad/entry";
import { chunk, classifyHolders, holderFilter, normalizeHolderValues } from "../../../provider/ad/holders";
import { guidToBytes } from "../../../provider/core/guid";

function sidBytes(authority: number, subs: number[]): Buffer {
  const b = Buffer.alloc(8 + 4 * subs.length);
  b[0] = 1;
  b[1] = subs.length;
  b.writeUIntBE(authority, 2, 6);
  for (const [i, s] of subs.entries()) b.writeUInt32LE(s, 8 + 4 * i);
  return b;
}

describe("sidToString", () => {
  it("decodes a domain user SID", () => {
    assert.equal(
      sidToString(sidBytes(5, [21, 1004336348, 1177238915, 682003330, 1105])),
      "S-1-5-21-1004336348-1177238915-682003330-1105",
    );
  });
  it("decodes well-known SIDs", () => {
    assert.equal(sidToString(sidBytes(1, [0])), "S-1-1-0");
    assert.equal(sidToString(sidBytes(5, [32, 544])), "S-1-5-32-544");
  });
  it("prints a large authority in hex, as Windows does", () => {
    assert.equal(sidToString(sidBytes(2 ** 40, [1])), "S-1-0x010000000000-1");
  });
  it("rejects malformed bytes", () => {
    assert.equal(sidToString(Buffer.alloc(4)), undefined);
    assert.equal(sidToString(sidBytes(5, [21, 1]).subarray(0, 13)), undefined);
    const wrongRevision = sidBytes(5, [21]);
    wrongRevision[0] = 2;
    assert.equal(sidToString(wrongRevision), undefined);
  });
});

describe("toAdUser", () => {
  const guid = "12345678-9abc-def0-1234-56789abcdef0";
  it("decodes GUID, SID, class chain and optional attributes", () => {
    const user = toAdUser({
      dn: "CN=A,DC=x",
      objectGUID: guidToBytes(guid),
      objectSid: sidBytes(5, [21, 1, 2, 3, 1105]),
      sAMAccountName: "a",
      objectClass: ["top", "person", "organizationalPerson", "user"],
      proxyAddresses: ["SMTP:a@x.com", "smtp:b@x.com"],
      mail: "a@x.com",
    } as Entry);
    assert.equal(user.objectGuid, guid);
    assert.equal(user.objectSid, "S-1-5-21-1-2-3-1105");
    assert.deepEqual(user.proxyAddresses, ["SMTP:a@x.com", "smtp:b@x.com"]);
    assert.equal(user.mail, "a@x.com");
    assert.equal(user.displayName, undefined);
  });
  it("an entry without objectGUID is a DirectoryRequestError, not a plain Error", () => {
    assert.throws(
      () => toAdUser({ dn: "CN=A,DC=x" } as Entry),
      (err: Error & { code?: string }) =>
        err.name === "DirectoryRequestError" && err.code === "LDAP_ENTRY_WITHOUT_GUID",
    );
  });
  it("the most specific class is the last objectClass value", () => {
    const cls = (objectClass: string[]) => mostSpecificClass({ dn: "x", objectClass } as Entry);
    assert.equal(cls(["top", "person", "organizationalPerson", "user", "computer"]), "computer");
    assert.equal(
      cls(["top", "person", "organizationalPerson", "user", "computer", "msDS-GroupManagedServiceAccount"]),
      "msDS-GroupManagedServiceAccount",
    );
    assert.equal(cls(["top", "person", "organizationalPerson", "contact"]), "contact");
    assert.equal(cls([]), "unknown");
  });
});

describe("holder search filters", () => {
  it("normalises values: trimmed, lower-case, unique, non-empty", () => {
    assert.deepEqual(normalizeHolderValues([" A@x.com", "a@X.com", "", "b@x.com"]), ["a@x.com", "b@x.com"]);
  });
  it("one OR-filter per chunk, every value escaped", () => {
    assert.equal(holderFilter(["a@x.com"], true, false), "(|(userPrincipalName=a@x.com))");
    assert.equal(
      holderFilter(["*)(mail=*", "b@x.com"], false, true),
      "(|(mail=\\2a\\29\\28mail=\\2a)(proxyAddresses=smtp:\\2a\\29\\28mail=\\2a)(mail=b@x.com)(proxyAddresses=smtp:b@x.com))",
    );
    assert.deepEqual(chunk([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
    assert.equal(chunk(Array.from({ length: 120 }, (_, i) => i)).length, 3);
  });
});

describe("classifyHolders", () => {
  const base = "OU=Sync,DC=corp,DC=local";
  const entry = (dn: string, attrs: Record<string, string | string[]>): Entry => ({ dn, ...attrs }) as Entry;
  const bob = entry("CN=Bob,OU=Sync,DC=corp,DC=local", {
    objectClass: ["top", "person", "organizationalPerson", "user"],
    userPrincipalName: "X@Contoso.com",
    mail: "x@contoso.com",
    proxyAddresses: ["SMTP:x@contoso.com", "smtp:alias@contoso.com", "Smtp:odd@contoso.com", "X500:/o=x"],
  });
  it("one record per (object, value, way held); SMTP: primary by exact prefix", () => {
    const holders = classifyHolders(
      [bob, bob],
      ["x@contoso.com", "alias@contoso.com", "odd@contoso.com"],
      base,
      "",
    );
    assert.deepEqual(
      holders.map((h) => `${h.value} ${h.heldAs} ${h.objectClass} ${h.inSyncScope}`),
      [
        "x@contoso.com userPrincipalName user true",
        "x@contoso.com mail user true",
        "x@contoso.com primarySmtp user true",
        "alias@contoso.com secondarySmtp user true",
        "odd@contoso.com secondarySmtp user true",
      ],
    );
  });
  it("outside the sync scope only the UPN counts", () => {
    const out = entry("CN=Grp,OU=Other,DC=corp,DC=local", {
      objectClass: ["top", "group"],
      userPrincipalName: "g@contoso.com",
      mail: "g@contoso.com",
      proxyAddresses: ["SMTP:g@contoso.com"],
    });
    assert.deepEqual(classifyHolders([out], ["g@contoso.com"], base, ""), [
      {
        value: "g@contoso.com",
        dn: out.dn,
        objectClass: "group",
        heldAs: "userPrincipalName",
        inSyncScope: false,
      },
    ]);
  });
  it("the excluded object is left out, its DN compared component-wise", () => {
    assert.deepEqual(classifyHolders([bob], ["x@contoso.com"], base, "cn=bob, ou=sync,dc=corp,dc=local"), []);
  });
  it("contacts and groups in scope hold addresses too", () => {
    const contact = entry("CN=C,OU=Sync,DC=corp,DC=local", {
      objectClass: ["top", "person", "organizationalPerson", "contact"],
      mail: "c@contoso.com",
    });
    assert.deepEqual(
      classifyHolders([contact], ["c@contoso.com"], base, "").map((h) => [h.objectClass, h.heldAs]),
      [["contact", "mail"]],
    );
  });
});
