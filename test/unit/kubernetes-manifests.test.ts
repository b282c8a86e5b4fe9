import { describe, expect, it } from "vitest";
import { commandToArgv } from "../../src/bridge.js";
import { instanceSchema } from "../../src/control/instance-model.js";
import { kubernetesObjects, resourceName } from "../../src/runtime/kubernetes-manifests.js";

const instance = instanceSchema.parse({
  name: "Fs.Tools_1",
  accessMode: "hosted",
  sessionPolicy: "shared",
  upstream: {
    type: "stdio",
    command: "npx",
    args: ["-y", "@scope/server", "dir with space"],
    env: { API_KEY: "s3cret" },
  },
  runtime: {
    environment: "docker",
    image: "registry.example.com/tools:1.0",
    user: "10001:10002",
    cpus: 2,
    memoryMb: 1024,
  },
});
const limits = { image: "registry.example.com/tools:1.0", user: "10001:10002", cpus: 2, memoryMb: 1024 };
const target = {
  namespace: "mcp",
  bridgeImage: "registry.example.com/mcpbox-bridge:0.1.0",
  networkPolicy: true,
};

describe("Kubernetes objects", () => {
  const objects = kubernetesObjects(instance, limits, target, "bridge-token");
  const pod = objects.deployment.spec.template.spec;
  const main = pod.containers[0]!;

  it("name everything with a valid, stable, instance-specific name and labels", () => {
    const name = resourceName("Fs.Tools_1");
    expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(resourceName("Fs.Tools_1")).toBe(name);
    expect(resourceName("fs-tools-1")).not.toBe(name);
    expect(resourceName("x".repeat(64)).length).toBeLessThanOrEqual(63);
    for (const object of Object.values(objects)) {
      expect(object.metadata).toMatchObject({ name, namespace: "mcp" });
      expect(object.metadata.labels["io.mcpbox/instance"]).toBe(name);
      expect(object.metadata.annotations["io.mcpbox/instance-name"]).toBe("Fs.Tools_1");
    }
  });

  it("harden the pod like the Docker runtime", () => {
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10002 });
    for (const container of [main, pod.initContainers[0]!]) {
      expect(container.securityContext).toEqual({
        runAsNonRoot: true,
        runAsUser: 10001,
        runAsGroup: 10002,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
      });
    }
    expect(main.resources).toEqual({
      requests: { cpu: "500m", memory: "512Mi" },
      limits: { cpu: "2000m", memory: "1024Mi" },
    });
    expect(main.volumeMounts).toContainEqual({ name: "bridge", mountPath: "/mcpbox", readOnly: true });
    expect(pod.volumes).toContainEqual({ name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } });
  });

  it("run the server behind the bridge with probes, and keep env in a Secret", () => {
    expect(main.image).toBe("registry.example.com/tools:1.0");
    const stdio = main.args[main.args.indexOf("--stdio") + 1]!;
    expect(commandToArgv(stdio)).toEqual(["npx", "-y", "@scope/server", "dir with space"]);
    expect(main.args).toContain("shared");
    expect(main.readinessProbe.httpGet).toEqual({ path: "/healthz", port: 8000 });
    expect(main.livenessProbe.httpGet).toEqual({ path: "/healthz", port: 8000 });
    expect(JSON.stringify(objects.deployment)).not.toContain("s3cret");
    expect(objects.secret.stringData).toEqual({ API_KEY: "s3cret", MCPBOX_BRIDGE_TOKEN: "bridge-token" });
    expect(main.envFrom).toEqual([{ secretRef: { name: objects.secret.metadata.name } }]);
  });

  it("replace the pod (not roll it) when its pod annotations change, so one bridge token is live", () => {
    const rolled = kubernetesObjects(instance, limits, target, "t", { "io.mcpbox/spec": "abc" });
    expect(rolled.deployment.spec.strategy).toEqual({ type: "Recreate" });
    expect(rolled.deployment.spec.template.metadata.annotations).toEqual({ "io.mcpbox/spec": "abc" });
    expect(
      kubernetesObjects(instance, { ...limits, nodePath: "/usr/bin/node" }, target, "t").deployment.spec
        .template.spec.containers[0]!.command[0],
    ).toBe("/usr/bin/node");
  });

  it("expose only the bridge port, to MCPBox only", () => {
    expect(objects.service.spec).toMatchObject({
      type: "ClusterIP",
      ports: [{ port: 8000, targetPort: "mcp" }],
    });
    expect(objects.service.spec.selector).toEqual(objects.deployment.spec.selector.matchLabels);
    expect(objects.networkPolicy?.spec.ingress[0]?.from).toEqual([
      { podSelector: { matchLabels: { "io.mcpbox/component": "gateway" } }, namespaceSelector: {} },
    ]);
    const withCidrs = kubernetesObjects(
      instance,
      limits,
      { ...target, allowedSourceCidrs: ["10.0.0.0/24"] },
      "t",
    );
    expect(withCidrs.networkPolicy?.spec.ingress[0]?.from[1]).toEqual({ ipBlock: { cidr: "10.0.0.0/24" } });
    expect(kubernetesObjects(instance, limits, { ...target, networkPolicy: false }, "t")).not.toHaveProperty(
      "networkPolicy",
    );
  });

  it("mount hostPath and PersistentVolumeClaim volumes", () => {
    const withVolumes = kubernetesObjects(
      instance,
      {
        ...limits,
        volumes: [
          { type: "bind", source: "/srv/share", target: "/data", readOnly: true },
          { type: "volume", name: "cache", target: "/cache", readOnly: false },
        ],
      },
      target,
      "t",
    );
    const spec = withVolumes.deployment.spec.template.spec;
    expect(spec.volumes).toContainEqual({
      name: "data-0",
      hostPath: { path: "/srv/share", type: "Directory" },
    });
    expect(spec.volumes).toContainEqual({
      name: "data-1",
      persistentVolumeClaim: { claimName: "cache", readOnly: false },
    });
    expect(spec.containers[0]!.volumeMounts).toContainEqual({
      name: "data-0",
      mountPath: "/data",
      readOnly: true,
    });
  });

  it("refuse remote upstreams", () => {
    const remote = instanceSchema.parse({
      name: "r",
      accessMode: "proxy",
      upstream: { type: "sse", url: "https://x/sse" },
    });
    expect(() => kubernetesObjects(remote, limits, target, "t")).toThrow(/stdio/);
  });
});
