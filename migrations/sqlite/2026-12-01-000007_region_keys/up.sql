-- Leads are matched to region territories by a key the application computes from the
-- region name (Unicode case folding, canonical form, spaces trimmed and collapsed) and
-- writes with each row: SQL cannot compute it (SQLite's lower() folds ASCII only). Rows
-- already here are keyed when the application next starts, before it serves; the index
-- below holds just the leads still without a key, so that start-up check costs nothing.
ALTER TABLE dealer_territories ADD COLUMN region_key TEXT;
ALTER TABLE leads ADD COLUMN region_key TEXT;
DROP INDEX dealer_territories_region_folded;
CREATE INDEX dealer_territories_region_key ON dealer_territories (country, region_key);
CREATE INDEX leads_without_region_key ON leads (id) WHERE region IS NOT NULL AND region_key IS NULL;
