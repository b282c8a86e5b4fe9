import { createHash } from "node:crypto";
import type { Instance, Volume } from "../control/instance-model.js";
import { BRIDGE_PORT, bridgeArgs } from "./command-line.js";

export interface KubernetesTarget {
  namespace: string;
  /** An image holding /mcpbox/mcpbox-bridge.mjs (built from MCPBox): an init container copies it in. */
  bridgeImage: string;
  /** Restrict ingress to MCPBox's own pods (label io.mcpbox/component=gateway) and `allowedSourceCidrs`. */
  networkPolicy: boolean;
  /** More sources the NetworkPolicy admits, e.g. the API server's addresses when it proxies to bridges. */
  allowedSourceCidrs?: string[];
}

export interface ContainerLimits {
  image: string;
  user: string;
  cpus: number;
  memoryMb: number;
  /** The node binary in the image (default `node`). */
  nodePath?: string;
  /** Bind mounts become hostPath volumes, named volumes PersistentVolumeClaims of the same name. */
  volumes?: Volume[];
}

const BRIDGE_DIR = "/mcpbox";
/** The label that marks every object of an instance (its value is the instance's resource name). */
export const INSTANCE_LABEL = "io.mcpbox/instance";

/** Kubernetes names: lowercase RFC 1123 labels, at most 63 characters, unique per instance. */
export function resourceName(instance: string): string {
  const base =
    instance
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, "-")
      .replace(/^-+|-+$/g, "") || "instance";
  const hash = createHash("sha256").update(instance).digest("hex").slice(0, 6);
  const prefix = `mcpbox-${base}`.slice(0, 63 - 7).replace(/-+$/, "");
  return `${prefix}-${hash}`;
}

/**
 * The objects that run one hosted stdio instance on a cluster: a Secret (its env and the bridge token),
 * a Deployment (bridge + MCP server, hardened like the Docker runtime, with readiness and liveness probes
 * on the bridge), a ClusterIP Service, and optionally a NetworkPolicy that admits only MCPBox.
 * `podAnnotations` go on the pod template: changing them rolls the pod (a new token, a new definition).
 */
export function kubernetesObjects(
  instance: Instance,
  limits: ContainerLimits,
  target: KubernetesTarget,
  token: string,
  podAnnotations: Record<string, string> = {},
) {
  if (instance.upstream.type !== "stdio") throw new Error("only stdio servers run as hosted pods");
  const name = resourceName(instance.name);
  // The resource name, not the instance name: a valid label value, and unique per instance.
  const labels = {
    "app.kubernetes.io/name": "mcpbox-instance",
    "app.kubernetes.io/managed-by": "mcpbox",
    [INSTANCE_LABEL]: name,
  };
  const selector = { "app.kubernetes.io/name": "mcpbox-instance", [INSTANCE_LABEL]: name };
  const [uid, gid] = limits.user.split(":").map(Number);
  const metadata = {
    name,
    namespace: target.namespace,
    labels,
    annotations: { "io.mcpbox/instance-name": instance.name },
  };
  const probe = (initialDelaySeconds: number) => ({
    httpGet: { path: "/healthz", port: BRIDGE_PORT },
    initialDelaySeconds,
    periodSeconds: 10,
    timeoutSeconds: 3,
    failureThreshold: 3,
  });
  const hardened = {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: gid ?? uid,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
  const secret = {
    apiVersion: "v1",
    kind: "Secret",
    metadata,
    type: "Opaque",
    stringData: { ...instance.upstream.env, MCPBOX_BRIDGE_TOKEN: token },
  };
  const deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata,
    spec: {
      replicas: 1,
      // One pod at a time: a pod with the old bridge token must be gone before the Service sends to a new one.
      strategy: { type: "Recreate" },
      selector: { matchLabels: selector },
      template: {
        metadata: { labels, annotations: podAnnotations },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: uid,
            runAsGroup: gid ?? uid,
            fsGroup: gid ?? uid,
          },
          initContainers: [
            {
              name: "bridge",
              image: target.bridgeImage,
              command: [
                "node",
                "-e",
                `require("fs").copyFileSync("${BRIDGE_DIR}/mcpbox-bridge.mjs", "/bridge/mcpbox-bridge.mjs")`,
              ],
              securityContext: hardened,
              volumeMounts: [{ name: "bridge", mountPath: "/bridge" }],
              resources: { limits: { cpu: "100m", memory: "64Mi" } },
            },
          ],
          containers: [
            {
              name: "mcp",
              image: limits.image,
              command: [limits.nodePath ?? "node", `${BRIDGE_DIR}/mcpbox-bridge.mjs`],
              args: bridgeArgs(instance, instance.upstream),
              envFrom: [{ secretRef: { name } }],
              ports: [{ name: "mcp", containerPort: BRIDGE_PORT, protocol: "TCP" }],
              readinessProbe: probe(1),
              livenessProbe: probe(10),
              resources: {
                requests: {
                  cpu: `${Math.round(limits.cpus * 250)}m`,
                  memory: `${Math.round(limits.memoryMb / 2)}Mi`,
                },
                limits: { cpu: `${Math.round(limits.cpus * 1000)}m`, memory: `${limits.memoryMb}Mi` },
              },
              securityContext: hardened,
              volumeMounts: [
                { name: "bridge", mountPath: BRIDGE_DIR, readOnly: true },
                { name: "tmp", mountPath: "/tmp" },
                ...(limits.volumes ?? []).map((v, i) => ({
                  name: `data-${i}`,
                  mountPath: v.target,
                  readOnly: v.readOnly,
                })),
              ],
            },
          ],
          volumes: [
            { name: "bridge", emptyDir: { sizeLimit: "16Mi" } },
            { name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
            ...(limits.volumes ?? []).map((v, i) =>
              v.type === "bind"
                ? { name: `data-${i}`, hostPath: { path: v.source, type: "Directory" } }
                : { name: `data-${i}`, persistentVolumeClaim: { claimName: v.name, readOnly: v.readOnly } },
            ),
          ],
        },
      },
    },
  };
  const service = {
    apiVersion: "v1",
    kind: "Service",
    metadata,
    spec: {
      type: "ClusterIP",
      selector,
      ports: [{ name: "mcp", port: BRIDGE_PORT, targetPort: "mcp", protocol: "TCP" }],
    },
  };
  const networkPolicy = {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata,
    spec: {
      podSelector: { matchLabels: selector },
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [
            { podSelector: { matchLabels: { "io.mcpbox/component": "gateway" } }, namespaceSelector: {} },
            ...(target.allowedSourceCidrs ?? []).map((cidr) => ({ ipBlock: { cidr } })),
          ],
          ports: [{ port: BRIDGE_PORT, protocol: "TCP" }],
        },
      ],
    },
  };
  return { secret, deployment, service, ...(target.networkPolicy ? { networkPolicy } : {}) };
}
