import { type Algorithm, hash, verify } from "@node-rs/argon2";

// OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane). `Algorithm` is a const enum, absent at run time:
// 2 is its Argon2id member.
const ARGON2 = { algorithm: 2 as Algorithm, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2);
}

export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  if (!stored) return false;
  try {
    return await verify(stored, password);
  } catch {
    return false; // a malformed stored hash never logs anybody in
  }
}

/** A hash to verify against when the user does not exist, so both paths take the same time. */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword("mcpbox decoy password for unknown users");
  return decoy;
}

export interface PasswordPolicy {
  minLength: number;
}

/** The most common passwords of public breach lists, and patterns people reach for. Lowercased. */
const COMMON = new Set([
  "123456789012",
  "1234567890123",
  "123456789abc",
  "qwertyuiopas",
  "qwerty123456",
  "password1234",
  "password12345",
  "password123456",
  "passwordpassword",
  "administrator",
  "administrator1",
  "admin1234567",
  "adminadmin123",
  "letmein123456",
  "welcome12345",
  "welcome123456",
  "iloveyou1234",
  "changeme1234",
  "changemeplease",
  "abcdefghijkl",
  "abc123456789",
  "111111111111",
  "000000000000",
  "aaaaaaaaaaaa",
  "qwertyqwerty",
  "1q2w3e4r5t6y",
  "1qaz2wsx3edc",
  "zaq12wsxcde3",
  "passw0rd1234",
  "p@ssw0rd1234",
  "p@ssword1234",
  "mcpboxmcpbox",
  "mcpbox123456",
  "mcpboxadmin1",
  "trustno1trustno1",
  "football1234",
  "baseball1234",
  "superman1234",
  "sunshine1234",
  "princess1234",
  "dragon123456",
  "monkey123456",
  "master123456",
  "starwars1234",
  "whatever1234",
  "shadow123456",
  "michael12345",
  "jennifer1234",
  "computer1234",
  "internet1234",
]);

/** Problems with a new password (empty when it is acceptable), as stable codes the API can translate. */
export function passwordProblems(password: string, policy: PasswordPolicy, username?: string): string[] {
  const problems: string[] = [];
  if ([...password].length < policy.minLength) problems.push(`shorter than ${policy.minLength} characters`);
  if (password.length > 256) problems.push("longer than 256 characters");
  const lower = password.toLowerCase();
  if (COMMON.has(lower)) problems.push("a commonly used password");
  if (/^(.)\1+$/.test(password)) problems.push("one repeated character");
  if (username && lower.includes(username.toLowerCase()) && username.length >= 3) {
    problems.push("contains the username");
  }
  return problems;
}
