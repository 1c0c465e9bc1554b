/** The pure core of ad-entra-link: no I/O, no Pulumi, no LDAP or Graph libraries. */
export * from "./guid";
export * from "./immutable-id";
export * from "./join-prediction";
export * from "./ldap-escape";
export * from "./proxy-addresses";
export * from "./upn";
