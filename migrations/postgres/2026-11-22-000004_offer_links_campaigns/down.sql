DROP INDEX dealer_territories_region_folded;
DROP TABLE campaign_spend;
DROP TABLE campaigns;
DROP TABLE offer_links;
