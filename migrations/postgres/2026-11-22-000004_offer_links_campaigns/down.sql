DROP TABLE campaign_spend;
DROP TABLE campaigns;
DROP TABLE offer_links;
