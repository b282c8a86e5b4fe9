ALTER TABLE "packages" ADD COLUMN "install_command" text;--> statement-breakpoint
ALTER TABLE "packages" ADD COLUMN "install_status" text;--> statement-breakpoint
ALTER TABLE "packages" ADD COLUMN "install_log" text;