CREATE INDEX offers_dealer_status ON offers (dealer_id, status);
DROP INDEX offers_dealer_open;
DROP TABLE outcome_events;
DROP TABLE sale_outcomes;
DROP TABLE feedback;
DROP TABLE feedback_sessions;
DROP TABLE feedback_links;
DROP TABLE feedback_requests;
