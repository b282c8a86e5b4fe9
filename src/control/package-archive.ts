import { posix } from "node:path";
import { Parser, type ReadEntry } from "tar";
import yauzl from "yauzl";
import { RuleError } from "./errors.js";

export type ArchiveFormat = "zip" | "tar.gz" | "mcpb";

export interface ArchiveLimits {
  /** Sum of the uncompressed sizes of all files. */
  maxUnpackedBytes: number;
  maxFiles: number;
  /** An entry expanding more than this many times its compressed size (and past 1 MiB) is a bomb. */
  maxRatio: number;
}

export const DEFAULT_LIMITS: ArchiveLimits = {
  maxUnpackedBytes: 200 * 1024 * 1024,
  maxFiles: 10_000,
  maxRatio: 200,
};

export interface ArchiveFile {
  path: string;
  data: Buffer;
  executable: boolean;
}

const refuse = (message: string): never => {
  throw new RuleError(`unsafe package: ${message}`, "unsafe_archive");
};

/**
 * A path from an archive, made relative and checked: no absolute paths, drive letters, backslashes, `..`
 * segments or NUL; returns the normalized path ("" for the root itself).
 */
export function safeRelativePath(name: string): string {
  if (name.includes("\u0000")) refuse("a file name holds a NUL character");
  if (name.includes("\\")) refuse(`backslash in "${name}"`);
  if (name.startsWith("/") || /^[A-Za-z]:/.test(name)) refuse(`absolute path "${name}"`);
  if (name.split("/").includes("..")) refuse(`"${name}" leaves the package root`);
  const normalized = posix
    .normalize(name)
    .replace(/^(\.\/)+/, "")
    .replace(/\/+$/, "");
  if (normalized === ".") return "";
  if (normalized.length > 1024 || normalized.split("/").length > 64)
    refuse(`path too long: "${name.slice(0, 80)}…"`);
  return normalized;
}

/** Reads every file of an archive into memory, refusing unsafe entries before anything touches the disk. */
export function readArchive(
  buffer: Buffer,
  format: ArchiveFormat,
  limits = DEFAULT_LIMITS,
): Promise<ArchiveFile[]> {
  return format === "tar.gz" ? readTar(buffer, limits) : readZip(buffer, limits);
}

function readZip(buffer: Buffer, limits: ArchiveLimits): Promise<ArchiveFile[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buffer, { lazyEntries: true, validateEntrySizes: true }, (error, zip) => {
      if (error || !zip)
        return reject(new RuleError(`not a valid zip archive: ${error?.message}`, "invalid_archive"));
      const files: ArchiveFile[] = [];
      let total = 0;
      const fail = (e: unknown) => {
        zip.close();
        reject(
          e instanceof RuleError
            ? e
            : new RuleError(`not a valid zip archive: ${(e as Error).message}`, "invalid_archive"),
        );
      };
      zip.on("error", fail);
      zip.on("end", () => resolve(files));
      zip.on("entry", (entry: yauzl.Entry) => {
        try {
          const path = safeRelativePath(entry.fileName);
          const mode = (entry.externalFileAttributes >>> 16) & 0o170000;
          if (mode === 0o120000) refuse(`"${entry.fileName}" is a symbolic link`);
          if (entry.fileName.endsWith("/")) return zip.readEntry();
          if (files.length + 1 > limits.maxFiles) refuse(`more than ${limits.maxFiles} files`);
          total += entry.uncompressedSize;
          if (total > limits.maxUnpackedBytes)
            refuse(`unpacks to more than ${limits.maxUnpackedBytes} bytes`);
          const ratio = entry.uncompressedSize / Math.max(entry.compressedSize, 1);
          if (entry.uncompressedSize > 1024 * 1024 && ratio > limits.maxRatio) {
            refuse(`"${entry.fileName}" expands ${Math.round(ratio)}×: a decompression bomb`);
          }
          zip.openReadStream(entry, (streamError, stream) => {
            if (streamError || !stream) return fail(streamError);
            const chunks: Buffer[] = [];
            stream.on("data", (chunk: Buffer) => chunks.push(chunk));
            stream.on("error", fail);
            stream.on("end", () => {
              files.push({
                path,
                data: Buffer.concat(chunks),
                executable: Boolean((entry.externalFileAttributes >>> 16) & 0o111),
              });
              zip.readEntry();
            });
          });
        } catch (e) {
          fail(e);
        }
      });
      zip.readEntry();
    });
  });
}

function readTar(buffer: Buffer, limits: ArchiveLimits): Promise<ArchiveFile[]> {
  return new Promise((resolve, reject) => {
    const files: ArchiveFile[] = [];
    let total = 0;
    let failed = false;
    const parser = new Parser({ strict: true });
    const fail = (e: unknown) => {
      if (failed) return;
      failed = true;
      parser.abort(e as Error);
      reject(
        e instanceof RuleError
          ? e
          : new RuleError(`not a valid tar.gz archive: ${(e as Error).message}`, "invalid_archive"),
      );
    };
    parser.on("entry", (entry: ReadEntry) => {
      try {
        const path = safeRelativePath(entry.path);
        if (entry.type === "Directory") return entry.resume();
        if (!["File", "OldFile", "ContiguousFile"].includes(entry.type))
          refuse(`"${entry.path}" is a ${entry.type}, not a file`);
        if (files.length + 1 > limits.maxFiles) refuse(`more than ${limits.maxFiles} files`);
        total += entry.size;
        if (total > limits.maxUnpackedBytes) refuse(`unpacks to more than ${limits.maxUnpackedBytes} bytes`);
        const chunks: Buffer[] = [];
        entry.on("data", (chunk: Buffer) => chunks.push(chunk));
        entry.on("end", () =>
          files.push({ path, data: Buffer.concat(chunks), executable: Boolean((entry.mode ?? 0) & 0o111) }),
        );
      } catch (e) {
        entry.resume();
        fail(e);
      }
    });
    parser.on("error", fail);
    parser.on("abort", fail);
    parser.on("end", () => {
      if (!failed) resolve(files);
    });
    parser.end(buffer);
  });
}
