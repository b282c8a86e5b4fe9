import { spawn } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { chmod, lstat, mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import yazl from "yazl";
import { commandToArgv } from "../bridge.js";
import type { PackageRepository, PackageRow } from "../store/package-repository.js";
import type { Ownership } from "../store/repositories.js";
import { minimalEnv } from "../upstream/stdio-process.js";
import { ConflictError, NotFoundError, RuleError } from "./errors.js";
import { packageNameSchema } from "./instance-model.js";
import type { InstanceService } from "./instances.js";
import { type ArchiveFormat, DEFAULT_LIMITS, readArchive, safeRelativePath } from "./package-archive.js";

export type { PackageRow };

const MAX_EDITABLE_BYTES = 1024 * 1024;

export function presentPackage(row: PackageRow) {
  return { ...row, createdAt: row.createdAt.toISOString(), updatedAt: row.updatedAt.toISOString() };
}

/** The install command as argv: no shell, so pipes and redirections are refused, not run. */
function installArgvOf(command: string): string[] {
  try {
    return commandToArgv(command);
  } catch (error) {
    throw new RuleError(`install command: ${(error as Error).message}`, "invalid_install");
  }
}

/** Where package trees live: `<data dir>/packages`, or a temporary dir for an in-memory data dir. */
export function packagesDir(dataDir: string): string {
  return dataDir === ":memory:"
    ? join(tmpdir(), `mcpbox-packages-${process.pid}`)
    : join(resolve(dataDir), "packages");
}

/**
 * Code packages: archives checked entry by entry (see package-archive.ts) and unpacked into their own
 * directory, written only through paths resolved inside it; a file tree to browse, small text files to view
 * and edit, a zip to download; deletion refused while an instance runs from the package.
 */
export class PackageService {
  /** Package name → its directory, for spawning processes without a database query. */
  private readonly dirs = new Map<string, string>();

  constructor(
    private readonly repo: PackageRepository,
    private readonly root: string,
    private readonly instances: InstanceService,
  ) {}

  async load(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    for (const row of await this.list()) this.dirs.set(row.name, this.directory(row));
  }

  dirOf(name: string): string | undefined {
    return this.dirs.get(name);
  }

  list(): Promise<PackageRow[]> {
    return this.repo.list();
  }

  get(id: string): Promise<PackageRow | undefined> {
    return this.repo.get(id);
  }

  byName(name: string): Promise<PackageRow | undefined> {
    return this.repo.byName(name);
  }

  /** The directory an instance runs from. */
  directory(row: PackageRow): string {
    return join(this.root, row.id);
  }

  async upload(
    name: string,
    format: ArchiveFormat,
    archive: Buffer,
    owner: Ownership,
    installCommand?: string,
  ): Promise<PackageRow> {
    const installArgv = installCommand ? installArgvOf(installCommand) : undefined;
    if (!packageNameSchema.safeParse(name).success) {
      throw new RuleError("package names are 1–64 of a-z, 0-9 and '-'", "invalid_name");
    }
    if (await this.byName(name)) throw new ConflictError(`package "${name}" exists`);
    const files = await readArchive(archive, format, DEFAULT_LIMITS);
    if (files.length === 0) throw new RuleError("the archive holds no files", "empty_archive");
    const id = randomUUID();
    const staging = join(this.root, `.staging-${id}`);
    try {
      for (const file of files) {
        const target = this.inside(staging, file.path);
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, file.data, { flag: "wx", mode: file.executable ? 0o755 : 0o644 });
      }
      await rename(staging, join(this.root, id));
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      throw error instanceof RuleError
        ? error
        : new RuleError(`could not unpack: ${(error as Error).message}`, "invalid_archive");
    }
    const sizeBytes = files.reduce((sum, f) => sum + f.data.length, 0);
    const sha256 = createHash("sha256").update(archive).digest("hex");
    const row = await this.repo.insert({
      id,
      name,
      format,
      sizeBytes,
      fileCount: files.length,
      sha256,
      installCommand: installCommand ?? null,
      installStatus: installArgv ? "running" : null,
      ...owner,
    });
    this.dirs.set(name, this.directory(row));
    if (installArgv) this.installing.set(row.id, this.install(row, installArgv));
    return row;
  }

  /** The install step of a package, when one is running (tests and shutdown wait for it). */
  readonly installing = new Map<string, Promise<void>>();

  /** Runs the install command in the package directory: no shell, minimal env, 5 minutes at most. */
  private async install(row: PackageRow, argv: string[]): Promise<void> {
    const [command, ...args] = argv;
    const result = await new Promise<{ ok: boolean; log: string }>((resolvePromise) => {
      const child = spawn(command!, args, {
        cwd: this.directory(row),
        env: minimalEnv({}),
        stdio: ["ignore", "pipe", "pipe"],
        timeout: 5 * 60_000,
        killSignal: "SIGKILL",
      });
      let log = "";
      const keep = (chunk: Buffer) => {
        log = (log + chunk.toString("utf8")).slice(-20_000);
      };
      child.stdout.on("data", keep);
      child.stderr.on("data", keep);
      child.on("error", (error) => resolvePromise({ ok: false, log: `${log}${error.message}` }));
      child.on("close", (code, signal) =>
        resolvePromise({ ok: code === 0, log: code === 0 ? log : `${log}\nexited with ${signal ?? code}` }),
      );
    });
    await this.repo.setInstallResult(row.id, result.ok ? "ok" : "failed", result.log);
    this.installing.delete(row.id);
  }

  async files(row: PackageRow): Promise<{ path: string; size: number }[]> {
    const base = this.directory(row);
    const out: { path: string; size: number }[] = [];
    const walk = async (dir: string) => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (entry.isFile())
          out.push({ path: relative(base, full).split(sep).join("/"), size: (await lstat(full)).size });
      }
    };
    await walk(base);
    return out.sort((a, b) => a.path.localeCompare(b.path));
  }

  async readFile(row: PackageRow, path: string): Promise<string> {
    const target = this.inside(this.directory(row), safeRelativePath(path));
    const info = await lstat(target).catch(() => undefined);
    if (!info?.isFile()) throw new NotFoundError(`no file "${path}" in package "${row.name}"`);
    if (info.size > MAX_EDITABLE_BYTES)
      throw new RuleError("the file is larger than 1 MiB; download the package", "too_large");
    const data = await readFile(target);
    if (data.includes(0)) throw new RuleError("the file is binary", "binary_file");
    return data.toString("utf8");
  }

  async writeFile(row: PackageRow, path: string, content: string): Promise<void> {
    const relativePath = safeRelativePath(path);
    if (!relativePath) throw new RuleError("a file path is required", "invalid_path");
    if (Buffer.byteLength(content) > MAX_EDITABLE_BYTES)
      throw new RuleError("files edited here are at most 1 MiB", "too_large");
    const target = this.inside(this.directory(row), relativePath);
    const existing = await lstat(target).catch(() => undefined);
    if (existing && !existing.isFile()) throw new RuleError(`"${path}" is not a file`, "invalid_path");
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
    if (!existing) await chmod(target, 0o644);
    await this.repo.touch(row.id);
  }

  /** The package's current files as a zip. */
  async zip(row: PackageRow): Promise<Buffer> {
    const zip = new yazl.ZipFile();
    for (const file of await this.files(row)) zip.addFile(join(this.directory(row), file.path), file.path);
    zip.end();
    const chunks: Buffer[] = [];
    for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async delete(row: PackageRow): Promise<void> {
    const users = this.instances
      .list()
      .filter((i) => i.upstream.type === "stdio" && i.upstream.package === row.name)
      .map((i) => i.name);
    if (users.length) throw new ConflictError(`package "${row.name}" is used by: ${users.join(", ")}`);
    await this.repo.delete(row.id);
    this.dirs.delete(row.name);
    await rm(this.directory(row), { recursive: true, force: true });
  }

  /** Resolves a checked relative path under `base`, and makes sure the result really is inside it. */
  private inside(base: string, relativePath: string): string {
    const target = resolve(base, relativePath);
    if (target !== base && !target.startsWith(base + sep))
      throw new RuleError("path leaves the package", "unsafe_archive");
    return target;
  }
}
