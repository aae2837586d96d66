-- A network snapshot (a batch of leads offered in one transaction) counts every dealer's
-- open load: these cover those two counts without reading the rows.
CREATE INDEX leads_open_by_dealer ON leads (status, dealer_id);
CREATE INDEX offers_open_by_dealer ON offers (status, dealer_id);
