ALTER TABLE leads DROP COLUMN quote_cents;
