-- Certificates, keys and tokens are base64 text (sealed secrets are random bytes): PostgreSQL's
-- compression (pglz) spends CPU on every value over ~2 KB and saves next to nothing. EXTERNAL
-- keeps them out of line when a row is large, uncompressed (existing values stay as they are).
ALTER TABLE "regions" ALTER COLUMN "ca_cert" SET STORAGE EXTERNAL;--> statement-breakpoint
ALTER TABLE "regions" ALTER COLUMN "client_cert" SET STORAGE EXTERNAL;--> statement-breakpoint
ALTER TABLE "regions" ALTER COLUMN "client_key" SET STORAGE EXTERNAL;--> statement-breakpoint
ALTER TABLE "regions" ALTER COLUMN "region_token" SET STORAGE EXTERNAL;
