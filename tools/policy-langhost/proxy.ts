/**
 * A `pulumi-language-nodejs` stand-in for running policy packs with this repository's Pulumi build.
 *
 * Why: the CLI (v3.248) runs a `runtime: nodejs` policy pack through the Node.js language host's
 * `RunPlugin` RPC, but the language host we can build here (v3.68, see tools/pulumi-cli) answers
 * "not supported" (it predates policy packs running through the language host), and the CLI only
 * falls back to a `pulumi-analyzer-policy-<runtime>` plugin when no language host exists at all.
 *
 * What: this process starts the real language host with the same arguments, forwards every RPC to
 * it byte for byte, and implements only `RunPlugin` itself, the way current language hosts do (see
 * `runPlugin`), streaming the plugin's stdout/stderr back. Programs run exactly as before.
 *
 * Use: put tools/policy-langhost/bin first on PATH and set AEL_REAL_PULUMI_LANGUAGE_NODEJS to the
 * real host (tests do this in tests/bulk/policy-env.ts). With a current Pulumi CLI and language host
 * none of this is needed.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type * as grpcTypes from "@grpc/grpc-js";

// grpc-js and the generated stubs are the ones @pulumi/pulumi itself uses.
const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
const grpc = require(require.resolve("@grpc/grpc-js", { paths: [pulumiDir] })) as typeof grpcTypes;
const services = require("@pulumi/pulumi/proto/language_grpc_pb.js") as {
  LanguageRuntimeService: Record<string, grpcTypes.MethodDefinition<unknown, unknown>>;
};
const languagePb = require("@pulumi/pulumi/proto/language_pb.js") as {
  RunPluginRequest: { deserializeBinary(b: Uint8Array): RunPluginRequest };
  RunPluginResponse: new () => RunPluginResponse;
};

interface RunPluginRequest {
  getPwd(): string;
  getArgsList(): string[];
  getEnvList(): string[];
  getInfo(): { getProgramDirectory(): string } | undefined;
  getKind(): string;
}
interface RunPluginResponse {
  setStdout(v: Uint8Array): void;
  setStderr(v: Uint8Array): void;
  setExitcode(v: number): void;
  serializeBinary(): Uint8Array;
}

const MAX_MESSAGE = 400 * 1024 * 1024;
const CHANNEL_OPTIONS = {
  "grpc.max_receive_message_length": MAX_MESSAGE,
  "grpc.max_send_message_length": MAX_MESSAGE,
};

function log(message: string): void {
  process.stderr.write(`policy-langhost: ${message}\n`);
}

/** The real language host: AEL_REAL_PULUMI_LANGUAGE_NODEJS, else the next one on PATH after ours. */
function realHostPath(): string {
  const explicit = process.env["AEL_REAL_PULUMI_LANGUAGE_NODEJS"];
  if (explicit !== undefined && explicit !== "") return explicit;
  const ownDir = fs.realpathSync(path.join(__dirname, "..", "..", "..", "tools", "policy-langhost", "bin"));
  for (const dir of (process.env["PATH"] ?? "").split(path.delimiter)) {
    if (dir === "") continue;
    const candidate = path.join(dir, "pulumi-language-nodejs");
    try {
      if (fs.realpathSync(dir) === ownDir) continue;
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new Error("no real pulumi-language-nodejs found; set AEL_REAL_PULUMI_LANGUAGE_NODEJS");
}

function readPort(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = "";
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString("utf8");
      const nl = buffered.indexOf("\n");
      if (nl < 0) return;
      child.stdout!.off("data", onData);
      const rest = buffered.slice(nl + 1);
      if (rest !== "") process.stdout.write(rest);
      child.stdout!.pipe(process.stdout);
      resolve(buffered.slice(0, nl).trim());
    };
    child.stdout!.on("data", onData);
    child.once("exit", (code) =>
      reject(new Error(`the real language host exited (${code}) before printing its port`)),
    );
  });
}

const identity = (b: Buffer) => b;

/**
 * Runs a plugin the way current language hosts implement RunPlugin: a policy pack (kind
 * "analyzer") as `node @pulumi/pulumi/cmd/run-policy-pack <args…> <packDir>` in the pack's folder
 * (where @pulumi/policy reads package.json), anything else as
 * `node @pulumi/pulumi/cmd/run-plugin <programDir> <args…>` in the requested folder.
 */
function runPlugin(call: grpcTypes.ServerWritableStream<Buffer, Buffer>): void {
  const req = languagePb.RunPluginRequest.deserializeBinary(call.request);
  const programDirectory = req.getInfo()?.getProgramDirectory() ?? req.getPwd();
  const analyzer = req.getKind() === "analyzer";
  const send = (set: (r: RunPluginResponse) => void) => {
    const r = new languagePb.RunPluginResponse();
    set(r);
    call.write(Buffer.from(r.serializeBinary()));
  };
  const runModule = analyzer ? "@pulumi/pulumi/cmd/run-policy-pack" : "@pulumi/pulumi/cmd/run-plugin";
  let runPath: string;
  try {
    runPath = require.resolve(runModule, { paths: [programDirectory, req.getPwd()] });
  } catch {
    // The engine recognises this message and tells the user to install the pack's dependencies.
    send((r) => r.setStderr(Buffer.from(`Error: Cannot find module '${runModule}'\n`)));
    send((r) => r.setExitcode(1));
    call.end();
    return;
  }
  const env: Record<string, string> = {};
  const list = req.getEnvList();
  for (const kv of list.length > 0 ? list : Object.entries(process.env).map(([k, v]) => `${k}=${v ?? ""}`)) {
    const eq = kv.indexOf("=");
    if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  env["PULUMI_NODEJS_TYPESCRIPT"] = "true";
  const args = analyzer
    ? [runPath, ...req.getArgsList(), programDirectory]
    : [runPath, programDirectory, ...req.getArgsList()];
  const child = spawn(process.execPath, args, {
    cwd: analyzer ? programDirectory : req.getPwd() || programDirectory,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.on("data", (d: Buffer) => send((r) => r.setStdout(d)));
  child.stderr.on("data", (d: Buffer) => send((r) => r.setStderr(d)));
  child.on("error", (err) => call.emit("error", { code: grpc.status.INTERNAL, details: err.message }));
  child.on("close", (code) => {
    send((r) => r.setExitcode(code ?? 1));
    call.end();
  });
  call.on("cancelled", () => child.kill("SIGKILL"));
}

async function main(): Promise<void> {
  const real = spawn(realHostPath(), process.argv.slice(2), { stdio: ["ignore", "pipe", "inherit"] });
  const stop = () => {
    if (real.exitCode === null) real.kill("SIGKILL");
  };
  process.on("exit", stop);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      stop();
      process.exit(0);
    });
  }
  real.on("exit", (code) => process.exit(code ?? 0));
  const realPort = await readPort(real);

  const passthrough: Record<string, grpcTypes.MethodDefinition<Buffer, Buffer>> = {};
  for (const [name, m] of Object.entries(services.LanguageRuntimeService)) {
    passthrough[name] = {
      ...m,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
    } as grpcTypes.MethodDefinition<Buffer, Buffer>;
  }
  const Upstream = grpc.makeGenericClientConstructor(passthrough, "LanguageRuntime");
  const upstream = new Upstream(
    `127.0.0.1:${realPort}`,
    grpc.credentials.createInsecure(),
    CHANNEL_OPTIONS,
  ) as unknown as Record<
    string,
    (...args: unknown[]) => grpcTypes.ClientReadableStream<Buffer> & grpcTypes.ClientUnaryCall
  >;

  const handlers: grpcTypes.UntypedServiceImplementation = {};
  for (const [name, m] of Object.entries(passthrough)) {
    const method = upstream[name]!.bind(upstream);
    if (m.path === "/pulumirpc.LanguageRuntime/RunPlugin") {
      handlers[name] = runPlugin as grpcTypes.UntypedHandleCall;
    } else if (!m.requestStream && !m.responseStream) {
      handlers[name] = ((
        call: grpcTypes.ServerUnaryCall<Buffer, Buffer>,
        callback: grpcTypes.sendUnaryData<Buffer>,
      ) => {
        method(call.request, call.metadata, (err: grpcTypes.ServiceError | null, res: Buffer) =>
          callback(err, res),
        );
      }) as grpcTypes.UntypedHandleCall;
    } else if (!m.requestStream && m.responseStream) {
      handlers[name] = ((call: grpcTypes.ServerWritableStream<Buffer, Buffer>) => {
        const up = method(call.request, call.metadata) as grpcTypes.ClientReadableStream<Buffer>;
        up.on("data", (d: Buffer) => call.write(d));
        up.on("end", () => call.end());
        up.on("error", (err: grpcTypes.ServiceError) => call.emit("error", err));
        call.on("cancelled", () => up.cancel());
      }) as grpcTypes.UntypedHandleCall;
    } else {
      handlers[name] = ((call: grpcTypes.ServerDuplexStream<Buffer, Buffer>) => {
        call.emit("error", {
          code: grpc.status.UNIMPLEMENTED,
          details: `${m.path}: streaming requests are not proxied`,
        });
      }) as grpcTypes.UntypedHandleCall;
    }
  }
  const server = new grpc.Server(CHANNEL_OPTIONS);
  server.addService(passthrough, handlers);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  process.stdout.write(`${port}\n`);
}

main().catch((err: Error) => {
  log(err.message);
  process.exit(1);
});
