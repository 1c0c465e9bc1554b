/** `immutable-id` accepts every form it prints (issue 12): each printed form parses back to the same anchor. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseAnchor } from "../../../provider/core/immutable-id";

for (const guid of ["12345678-9abc-def0-1234-56789abcdef0", "6bff0a6c-9c55-4d8b-a2e4-3b3f3c0f1d2e"]) {
  test(`every printed form of ${guid} parses back to it`, () => {
    const forms = parseAnchor(guid);
    const octets = forms.hex.match(/../g)!;
    const inputs = [
      forms.guid,
      forms.immutableId,
      forms.hex,
      octets.join(" ").toUpperCase(),
      octets.map((o) => `0x${o}`).join(" "),
      forms.ldapFilterValue,
      forms.connectorSpaceDn,
    ];
    for (const input of inputs) {
      const again = parseAnchor(input);
      assert.equal(again.guid, forms.guid, input);
      assert.equal(again.immutableId, forms.immutableId, input);
    }
    assert.equal(parseAnchor(forms.ldapFilterValue).inputForm, "ldapFilterValue");
    assert.equal(parseAnchor(forms.connectorSpaceDn).inputForm, "connectorSpaceDn");
  });
}

test("a connector-space DN that is not an ImmutableId is refused", () => {
  assert.throws(
    () => parseAnchor("CN={4142}"),
    (e: Error & { code?: string }) => e.name === "InvalidInputError",
  );
});
