DROP INDEX offers_open_by_dealer;
DROP INDEX leads_open_by_dealer;
