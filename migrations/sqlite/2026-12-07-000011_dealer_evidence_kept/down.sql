DROP TABLE figures_version;
DROP INDEX offers_dealer_newest;
DROP INDEX offers_status_responded;
DROP TABLE dealer_evidence;
