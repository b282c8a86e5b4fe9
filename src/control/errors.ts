/** Domain errors; the API maps each to one status and error code. */
export class ConflictError extends Error {}
export class NotFoundError extends Error {}
/** Input that passed the schema but breaks a rule (e.g. a weak password); `details` says which. */
export class RuleError extends Error {
  constructor(
    message: string,
    readonly code = "invalid",
    readonly details?: unknown,
  ) {
    super(message);
  }
}
/** The caller may not do this to this resource (outside their data scope, or a protected object). */
export class ForbiddenError extends Error {}
