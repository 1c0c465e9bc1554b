/**
 * Runs the GitOps example's workflow steps the way a GitHub runner does, against the shared DC and
 * an emulator tenant: the step's own `run` script with bash, the workflow-, job- and step-level `env`
 * evaluated from variables, secrets and context values, GITHUB_ENV / GITHUB_OUTPUT /
 * GITHUB_STEP_SUMMARY files, and a GitHub-like OIDC token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL)
 * whose tokens the emulator accepts through a federated credential. The program is a copy of the
 * example's consuming repository (examples/github-actions: Pulumi.yaml, index.ts, package.json).
 */
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { signJwt } from "../emulator/jwt";
import { type PulumiSandbox, REPO_ROOT } from "../support/pulumi";
import type { TestEnv } from "../support/test-env";

export const EXAMPLE = path.join(REPO_ROOT, "examples", "github-actions");
export const WORKFLOW_FILE = path.join(EXAMPLE, "workflows", "ad-entra-link.yml");
export const LINK_TYPE = "pulumi-nodejs:dynamic/ad-entra-link:UserLink";

export interface WorkflowStep {
  id?: string;
  name?: string;
  run?: string;
  uses?: string;
  if?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}
export interface WorkflowJob {
  if?: string;
  environment?: string;
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  steps: WorkflowStep[];
}
export interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  env: Record<string, string>;
  jobs: Record<string, WorkflowJob>;
}

export function readWorkflow(file = WORKFLOW_FILE): Workflow {
  return parse(fs.readFileSync(file, "utf8")) as Workflow;
}

/** Copies the example's Pulumi project to `dir` (node_modules linked to this repository's). */
export function exampleProject(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  for (const f of ["Pulumi.yaml", "index.ts", "package.json", "tsconfig.json"]) {
    fs.copyFileSync(path.join(EXAMPLE, f), path.join(dir, f));
  }
  fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"));
  return dir;
}

export function git(cwd: string, args: string[]): string {
  return execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "t",
      GIT_AUTHOR_EMAIL: "t@example.com",
      GIT_COMMITTER_NAME: "t",
      GIT_COMMITTER_EMAIL: "t@example.com",
    },
  }).trim();
}

/** A links file for `entries` (lines under `entries:`). */
export function linksYaml(lines: string[]): string {
  return ["version: 1", "entries:", ...lines, ""].join("\n");
}

/** GitHub's OIDC token endpoint as a job sees it; every token it issues is counted. */
export class FakeGitHubOidc {
  readonly issuer = `https://token.actions.githubusercontent.com/ael-test-${crypto.randomUUID()}`;
  readonly requestToken = crypto.randomUUID();
  readonly keys = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  issued = 0;
  /** The `sub` claim of the next tokens (the job's environment decides it on GitHub). */
  subject = "repo:contoso/identity:pull_request";
  private server: http.Server | undefined;
  url = "";

  async start(env: TestEnv): Promise<void> {
    this.server = http.createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://localhost");
      if (
        req.headers.authorization !== `Bearer ${this.requestToken}` ||
        url.searchParams.get("api-version") !== "2.0"
      ) {
        res.writeHead(401).end();
        return;
      }
      const now = Math.floor(Date.now() / 1000);
      const jwt = signJwt(
        { alg: "RS256", typ: "JWT", kid: "gh-test" },
        {
          iss: this.issuer,
          sub: this.subject,
          aud: url.searchParams.get("audience"),
          repository: "contoso/identity",
          iat: now,
          nbf: now,
          exp: now + 300,
        },
        this.keys.privateKey,
      );
      this.issued++;
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ count: 1, value: jwt }));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/_apis/oidc/token?api-version=2.0`;
    await env.control.registerFederatedIssuer(this.issuer, [
      { ...this.keys.publicKey.export({ format: "jwk" }), kid: "gh-test", alg: "RS256", use: "sig" },
    ]);
  }

  async stop(env: TestEnv | undefined): Promise<void> {
    await env?.control.removeFederatedIssuer(this.issuer).catch(() => undefined);
    await new Promise((r) => (this.server ? this.server.close(r) : r(undefined)));
  }
}

export interface Context {
  vars: Record<string, string>;
  secrets: Record<string, string>;
  /** Other expressions by their text, e.g. `github.event.pull_request.head.sha`, `runner.temp`. */
  values: Record<string, string>;
}

/** One `${{ a || b || 'literal' }}` expression, as GitHub evaluates it for env values. */
function evaluateExpression(expr: string, ctx: Context): string {
  for (const part of expr.split("||").map((p) => p.trim())) {
    let v: string | undefined;
    const lit = /^'([^']*)'$/.exec(part);
    if (lit) v = lit[1];
    else if (part.startsWith("vars.")) v = ctx.vars[part.slice(5)];
    else if (part.startsWith("secrets.")) v = ctx.secrets[part.slice(8)];
    else if (part in ctx.values) v = ctx.values[part];
    else if (/^(github|inputs|steps|runner)\./.test(part)) v = "";
    else assert.fail(`an expression this harness cannot evaluate: ${part}`);
    if (v) return v;
  }
  return "";
}

export function evaluate(values: Record<string, string> | undefined, ctx: Context): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values ?? {})) {
    out[k] = String(v).replace(/\$\{\{(.*?)\}\}/g, (_m, e: string) => evaluateExpression(e.trim(), ctx));
  }
  return out;
}

/** Runs a script with bash (asynchronously: the OIDC endpoint lives in this process). */
export function bash(
  script: string,
  env: Record<string, string>,
  cwd: string,
): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-e", "-c", script], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => {
      output += d.toString("utf8");
    });
    child.stderr.on("data", (d: Buffer) => {
      output += d.toString("utf8");
    });
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, output }));
  });
}

/** A job on a runner: its temp folder, command files, and the environment steps inherit. */
export class JobRun {
  readonly runnerTemp: string;
  readonly files: { env: string; output: string; summary: string };
  readonly outputs: Record<string, Record<string, string>> = {};
  private jobEnv: Record<string, string>;

  constructor(
    readonly workflow: Workflow,
    readonly job: string,
    readonly cwd: string,
    readonly ctx: Context,
    o: { sandbox: PulumiSandbox; env: TestEnv; oidc: FakeGitHubOidc; runnerTemp: string },
  ) {
    this.runnerTemp = o.runnerTemp;
    fs.mkdirSync(this.runnerTemp, { recursive: true });
    this.files = {
      env: path.join(this.runnerTemp, "github-env"),
      output: path.join(this.runnerTemp, "github-output"),
      summary: path.join(this.runnerTemp, "step-summary"),
    };
    for (const f of Object.values(this.files)) fs.writeFileSync(f, "");
    this.ctx.values["runner.temp"] = this.runnerTemp;
    this.jobEnv = {
      PATH: o.sandbox.envVars["PATH"]!,
      HOME: process.env["HOME"] ?? os.homedir(),
      PULUMI_HOME: o.sandbox.envVars["PULUMI_HOME"]!,
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
      ...(o.sandbox.envVars["AEL_REAL_PULUMI_LANGUAGE_NODEJS"]
        ? { AEL_REAL_PULUMI_LANGUAGE_NODEJS: o.sandbox.envVars["AEL_REAL_PULUMI_LANGUAGE_NODEJS"] }
        : {}),
      NODE_EXTRA_CA_CERTS: o.env.caBundlePath,
      RUNNER_TEMP: this.runnerTemp,
      GITHUB_ENV: this.files.env,
      GITHUB_OUTPUT: this.files.output,
      GITHUB_STEP_SUMMARY: this.files.summary,
      ACTIONS_ID_TOKEN_REQUEST_URL: o.oidc.url,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: o.oidc.requestToken,
    };
  }

  step(id: string): WorkflowStep {
    const found = this.workflow.jobs[this.job]!.steps.find((s) => s.id === id);
    assert.ok(found?.run, `job ${this.job} has a run step with id ${id}`);
    return found;
  }

  /** Runs the step's script; returns its exit status and output, and records its outputs. */
  async run(id: string): Promise<{ status: number | null; output: string }> {
    const st = this.step(id);
    const env = {
      ...this.jobEnv,
      ...evaluate(this.workflow.env, this.ctx),
      ...evaluate(this.workflow.jobs[this.job]!.env, this.ctx),
      ...evaluate(st.env, this.ctx),
    };
    fs.writeFileSync(this.files.output, "");
    const r = await bash(st.run!, env, this.cwd);
    const outputs: Record<string, string> = {};
    for (const line of fs.readFileSync(this.files.output, "utf8").split("\n")) {
      const eq = line.indexOf("=");
      if (eq > 0) outputs[line.slice(0, eq)] = line.slice(eq + 1);
    }
    this.outputs[id] = outputs;
    for (const [k, v] of Object.entries(outputs)) this.ctx.values[`steps.${id}.outputs.${k}`] = v;
    return r;
  }

  summary(): string {
    return fs.readFileSync(this.files.summary, "utf8");
  }

  githubEnv(): string {
    return fs.readFileSync(this.files.env, "utf8");
  }
}

/** The UserLink steps of a streamed `pulumi preview --json` (op and checked inputs by link name). */
export function linkSteps(events: string): Map<string, { op: string; inputs: Record<string, unknown> }> {
  const out = new Map<string, { op: string; inputs: Record<string, unknown> }>();
  for (const line of events.split("\n")) {
    if (!line.startsWith("{")) continue;
    const e = JSON.parse(line) as {
      resourcePreEvent?: {
        metadata: { op: string; type: string; urn: string; new?: { inputs?: Record<string, unknown> } };
      };
    };
    const m = e.resourcePreEvent?.metadata;
    if (m?.type === LINK_TYPE) out.set(m.urn.split("::").pop()!, { op: m.op, inputs: m.new?.inputs ?? {} });
  }
  return out;
}
