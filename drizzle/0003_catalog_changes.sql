CREATE TABLE "catalog_changes" (
	"version" bigint PRIMARY KEY NOT NULL,
	"regions" text[],
	"identity" boolean DEFAULT false NOT NULL,
	"changed_at" timestamp with time zone
);
