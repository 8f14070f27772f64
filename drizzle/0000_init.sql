CREATE TABLE "catalog_state" (
	"id" integer PRIMARY KEY NOT NULL,
	"version" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "regions" (
	"uid" varchar(36) PRIMARY KEY NOT NULL,
	"name" varchar(255) NOT NULL,
	"alias" varchar(255) NOT NULL,
	"locales" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"description" varchar(255) DEFAULT '' NOT NULL,
	"scope" varchar(10) DEFAULT 'private' NOT NULL,
	"status" varchar(16) DEFAULT 'editing' NOT NULL,
	"parent_name" varchar(255),
	"api_url" text DEFAULT '' NOT NULL,
	"ws_url" text DEFAULT '' NOT NULL,
	"http_domain" text DEFAULT '' NOT NULL,
	"tcp_domain" text DEFAULT '' NOT NULL,
	"ca_cert" text,
	"client_cert" text,
	"client_key" text,
	"region_token" text,
	"enterprise_id" varchar(36),
	"extra" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"revision" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "regions_name_unique" UNIQUE("name")
);
--> statement-breakpoint
ALTER TABLE "regions" ADD CONSTRAINT "regions_parent_fk" FOREIGN KEY ("parent_name") REFERENCES "public"."regions"("name") ON DELETE cascade ON UPDATE no action;