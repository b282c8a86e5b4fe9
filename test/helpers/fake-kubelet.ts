import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

// Kubernetes objects are free-form JSON in the fakes.
export type KubeObject = Record<string, any>;

export interface FakePod {
  object: KubeObject;
  /** The Deployment it belongs to. */
  owner: string;
  /** The pod template it was made from. */
  template: string;
  port?: number;
  child?: ChildProcess;
  logs: string[];
}

/**
 * The kubelet and the Deployment controller of the fake cluster in one: one pod per Deployment, replaced
 * when the template changes. A pod runs the bridge bundle on this machine with the pod's args and its
 * Secret's env, on a free port; images named `…crashloop…` / `…missing…` never start and report
 * CrashLoopBackOff / ImagePullBackOff like a real kubelet.
 */
export class FakeKubelet {
  /** By `pods/<namespace>/<name>`. */
  readonly pods = new Map<string, FakePod>();

  constructor(
    private readonly bridge: string,
    private readonly secret: (namespace: string, name: string) => KubeObject | undefined,
  ) {}

  podsOf(ns: string, deployment: string): FakePod[] {
    return [...this.pods.values()].filter(
      (p) => p.object.metadata.namespace === ns && p.owner === deployment,
    );
  }

  kill(pod: FakePod): void {
    this.pods.delete(`pods/${pod.object.metadata.namespace}/${pod.object.metadata.name}`);
    pod.child?.kill("SIGKILL");
  }

  reconcile(ns: string, deployment: KubeObject): void {
    const template = JSON.stringify(deployment.spec.template);
    const current = this.podsOf(ns, deployment.metadata.name);
    if (current.length === 1 && current[0]!.template === template) return;
    for (const pod of current) this.kill(pod);
    const spec = deployment.spec.template.spec;
    const main = spec.containers[0];
    const name = `${deployment.metadata.name}-${randomBytes(3).toString("hex")}`;
    const object: KubeObject = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name,
        namespace: ns,
        labels: deployment.spec.template.metadata.labels,
        annotations: deployment.spec.template.metadata.annotations,
        uid: randomBytes(8).toString("hex"),
        creationTimestamp: new Date().toISOString(),
      },
      spec,
      status: { phase: "Pending", containerStatuses: [waiting("ContainerCreating", "", 0)] },
    };
    const pod: FakePod = { object, owner: deployment.metadata.name, template, logs: [] };
    this.pods.set(`pods/${ns}/${name}`, pod);
    const secret = this.secret(ns, main.envFrom?.[0]?.secretRef?.name ?? "");
    if (/crashloop/.test(main.image)) {
      pod.logs.push("node:internal/modules/cjs/loader:1228", "Error: Cannot find module '/app/server.mjs'");
      object.status = {
        phase: "Running",
        containerStatuses: [
          {
            ...waiting("CrashLoopBackOff", "back-off 40s restarting failed container=mcp", 3),
            lastState: { terminated: { exitCode: 1, reason: "Error" } },
          },
        ],
      };
    } else if (/missing/.test(main.image)) {
      const message = `Back-off pulling image "${main.image}"`;
      object.status.containerStatuses = [waiting("ImagePullBackOff", message, 0)];
    } else if (!secret) {
      object.status.containerStatuses = [waiting("CreateContainerConfigError", "secret not found", 0)];
    } else if (main.command[1] === "/mcpbox/mcpbox-bridge.mjs") {
      void this.run(pod, main.args, secret);
    }
  }

  /** Starts the pod's bridge and marks the pod ready once its health endpoint answers. */
  private async run(pod: FakePod, args: string[], secret: KubeObject): Promise<void> {
    const port = await freePort();
    const argv = [...args];
    argv[argv.indexOf("--port") + 1] = String(port);
    const env = Object.fromEntries(
      Object.entries(secret.data as Record<string, string>).map(([k, v]) => [
        k,
        Buffer.from(v, "base64").toString(),
      ]),
    );
    const child = spawn(process.execPath, [this.bridge, ...argv, "--host", "127.0.0.1"], {
      env: { ...env, PATH: process.env.PATH ?? "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    Object.assign(pod, { port, child });
    const collect = (chunk: Buffer) => pod.logs.push(...chunk.toString().split("\n").filter(Boolean));
    child.stdout!.on("data", collect);
    child.stderr!.on("data", collect);
    child.on("exit", (code) => {
      const terminated = { exitCode: code ?? 137 };
      pod.object.status = {
        phase: "Running",
        containerStatuses: [{ name: "mcp", ready: false, restartCount: 0, state: { terminated } }],
      };
    });
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline && child.exitCode === null) {
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) {
        pod.object.status = {
          phase: "Running",
          conditions: [{ type: "Ready", status: "True" }],
          containerStatuses: [{ name: "mcp", ready: true, restartCount: 0, state: { running: {} } }],
        };
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  close(): void {
    for (const pod of this.pods.values()) pod.child?.kill("SIGKILL");
  }
}

function waiting(reason: string, message: string, restartCount: number) {
  return { name: "mcp", ready: false, restartCount, state: { waiting: { reason, message } } };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = http.createServer();
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
    probe.on("error", reject);
  });
}
