DROP INDEX feedback_requests_closing;
DROP TABLE figures_version;
DROP INDEX offers_dealer_newest;
DROP INDEX offers_responded;
DROP TABLE dealer_evidence;
