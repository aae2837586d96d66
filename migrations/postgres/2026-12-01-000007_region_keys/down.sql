DROP INDEX leads_without_region_key;
DROP INDEX dealer_territories_region_key;
CREATE INDEX dealer_territories_region_folded ON dealer_territories (country, lower(region));
ALTER TABLE leads DROP COLUMN region_key;
ALTER TABLE dealer_territories DROP COLUMN region_key;
