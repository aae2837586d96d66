-- The amount of the quote a dealer sent, when it gave one (in euro cents): the open
-- pipeline the attribution report shows per channel and campaign.
ALTER TABLE leads ADD COLUMN quote_cents BIGINT;
