CREATE TABLE "audit_log" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "audit_log_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor_id" varchar(40) NOT NULL,
	"actor_name" varchar(255) NOT NULL,
	"dialect" varchar(16) NOT NULL,
	"action" varchar(32) NOT NULL,
	"subject" varchar(255) NOT NULL,
	"before" jsonb,
	"after" jsonb
);
--> statement-breakpoint
CREATE TABLE "credentials" (
	"id" varchar(40) PRIMARY KEY NOT NULL,
	"type" varchar(16) NOT NULL,
	"name" varchar(255) NOT NULL,
	"role" varchar(16) NOT NULL,
	"private_regions" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"enterprise_id" varchar(36),
	"expires_at" timestamp with time zone,
	"user_name" varchar(255),
	"access_key" varchar(64),
	"secret_hash" text,
	"sealed_secret" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "credentials_userName_unique" UNIQUE("user_name"),
	CONSTRAINT "credentials_accessKey_unique" UNIQUE("access_key")
);
--> statement-breakpoint
CREATE TABLE "token_revocations" (
	"token_id" varchar(64) PRIMARY KEY NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "audit_log_subject_idx" ON "audit_log" USING btree ("subject","id");