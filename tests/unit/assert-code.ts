/** Shared by the pure table tests: `fn` throws an InvalidInputError with `code`. */
import assert from "node:assert/strict";
import { InvalidInputError } from "../../provider/errors";

export function assertCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof InvalidInputError, `expected InvalidInputError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}
