// Runs in a worker thread (plain JavaScript: loader hooks do not reach workers): initialises an in-memory
// PGlite cluster, applies the migrations, and posts the data directory back as an uncompressed tarball.
import { parentPort, workerData } from "node:worker_threads";
import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";

const client = await PGlite.create();
await migrate(drizzle(client), { migrationsFolder: workerData.migrationsFolder });
const tarball = new Uint8Array(await (await client.dumpDataDir("none")).arrayBuffer());
await client.close();
parentPort.postMessage(tarball, [tarball.buffer]);
