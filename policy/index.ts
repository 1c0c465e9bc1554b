// The ad-entra-link policy pack: `pulumi preview --policy-pack policy` (README in this folder).
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("ad-entra-link", { policies });
