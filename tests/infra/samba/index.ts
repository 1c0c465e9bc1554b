/** Samba AD DC test fixture: start a DC, seed it, read it back. See README.md in this folder. */
export { cloneSeedUsers, suffixAddress } from "./clone";
export { DEFAULT_ADMIN_PASSWORD, startSambaDc } from "./dc";
export { eq, escapeDnValue, escapeFilterValue, rdn } from "./escape";
export { bytesToGuid, guidToBytes, sidToString } from "./guid";
export { adminClient, type BindOptions, bindClient, withAdminClient } from "./ldap";
export { type AdUser, findUsers, readUser, snapshotSubtree, VOLATILE_ATTRIBUTES } from "./read";
export {
  createOu,
  DISABLED_USER_UAC,
  type SeededUser,
  type SeedOptions,
  type SeedResult,
  seedScenario,
  seedUsersInto,
  userDn,
} from "./seed";
export {
  type ServiceAccount,
  SERVICE_ACCOUNT_NAME,
  SERVICE_ACCOUNT_WRITABLE_ATTRIBUTES,
} from "./service-account";
export type { SambaDc, SambaDcOptions } from "./types";
export {
  type CreatedObject,
  createDirectoryObject,
  type DirectoryObjectKind,
  type DirectoryObjectSpec,
} from "./objects";
