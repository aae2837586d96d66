-- The evidence behind each dealer's score, kept so every score can be aged without reading
-- the history again: per part, the age-weighted sums of weights and of values, for the
-- evidence and for the caught-up evidence, as of gathered_at (when they were read from the
-- history), with the counts read then. Ageing to a later instant multiplies the sums by
-- one factor.
CREATE TABLE dealer_evidence (
    dealer_id BIGINT PRIMARY KEY NOT NULL REFERENCES dealers (id) ON DELETE CASCADE,
    gathered_at TIMESTAMP NOT NULL,
    weight_completeness DOUBLE NOT NULL,
    weight_timeliness DOUBLE NOT NULL,
    weight_responsiveness DOUBLE NOT NULL,
    weight_outcome_reporting DOUBLE NOT NULL,
    value_completeness DOUBLE NOT NULL,
    value_timeliness DOUBLE NOT NULL,
    value_responsiveness DOUBLE NOT NULL,
    value_outcome_reporting DOUBLE NOT NULL,
    caught_up_weight_completeness DOUBLE NOT NULL,
    caught_up_weight_timeliness DOUBLE NOT NULL,
    caught_up_weight_responsiveness DOUBLE NOT NULL,
    caught_up_weight_outcome_reporting DOUBLE NOT NULL,
    caught_up_value_completeness DOUBLE NOT NULL,
    caught_up_value_timeliness DOUBLE NOT NULL,
    caught_up_value_responsiveness DOUBLE NOT NULL,
    caught_up_value_outcome_reporting DOUBLE NOT NULL,
    submissions BIGINT NOT NULL,
    unreached BIGINT NOT NULL,
    rated BIGINT NOT NULL,
    rated_lowest BIGINT NOT NULL,
    offers_30d BIGINT NOT NULL,
    open_forms BIGINT NOT NULL,
    overdue_forms BIGINT NOT NULL,
    unreported_outcomes BIGINT NOT NULL
);
-- The offers answered in a span of time (and the accepted ones whose outcome came due),
-- for finding the dealers whose evidence changed since it was read. On the answer time
-- alone: with the status first, SQLite would prefer it to the lead's own offers inside
-- the feedback timer's search (every accepted offer scanned for each lead).
CREATE INDEX offers_responded ON offers (responded_at);
-- A dealer's newest offers (the staff's dealer page) without sorting all of them.
CREATE INDEX offers_dealer_newest ON offers (dealer_id, id);
-- A number raised by every write the staff's dealer views show (the table's figures,
-- scores, overrides, the dealers themselves): a view rendered at one version is shown
-- again until the number moves.
CREATE TABLE figures_version (
    id INTEGER PRIMARY KEY NOT NULL,
    version BIGINT NOT NULL
);
INSERT INTO figures_version (id, version) VALUES (1, 0);
-- The requests that close in a span of time without a submission (the minute tick's
-- search scanned every request never submitted).
CREATE INDEX feedback_requests_closing ON feedback_requests (submitted_at, revoked_at, closes_at);
