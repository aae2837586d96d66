DROP TABLE digest_weeks;
ALTER TABLE users DROP COLUMN weekly_digest;
ALTER TABLE leads DROP COLUMN quote_cents;
