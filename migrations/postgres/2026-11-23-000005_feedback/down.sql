DROP INDEX offers_status_responded;
DROP TABLE outcome_events;
DROP TABLE sale_outcomes;
DROP TABLE feedback;
DROP TABLE feedback_sessions;
DROP TABLE feedback_links;
DROP TABLE feedback_requests;
