import * as pulumi from "@pulumi/pulumi";

interface EchoInputs {
  message: string;
}

// The provider only touches its arguments, so it serializes cleanly into state.
const echoProvider: pulumi.dynamic.ResourceProvider<EchoInputs, EchoInputs & { length: number }> = {
  async create(inputs) {
    return { id: `echo-${inputs.message}`, outs: { message: inputs.message, length: inputs.message.length } };
  },
  async diff(_id, olds, news) {
    return { changes: olds.message !== news.message };
  },
  async update(_id, _olds, news) {
    return { outs: { message: news.message, length: news.message.length } };
  },
};

class Echo extends pulumi.dynamic.Resource {
  declare readonly length: pulumi.Output<number>;
  constructor(name: string, args: { message: pulumi.Input<string> }) {
    super(echoProvider, name, { ...args, length: undefined }, {}, "foundation", "Echo");
  }
}

const config = new pulumi.Config();
const echo = new Echo("greeting", { message: config.get("message") ?? "hello" });
export const length = echo.length;
