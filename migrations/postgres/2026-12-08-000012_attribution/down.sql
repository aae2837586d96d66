DROP TABLE attribution_run_channels;
DROP TABLE attribution_runs;
DROP TABLE attribution_credits;
DROP INDEX touchpoints_client_key;
ALTER TABLE touchpoints DROP COLUMN added_by;
ALTER TABLE touchpoints DROP COLUMN payload_hash;
ALTER TABLE touchpoints DROP COLUMN client_key;
