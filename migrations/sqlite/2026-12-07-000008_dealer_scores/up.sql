-- Each dealer's current score (0-100), its four parts after shrinkage (0-1), how much
-- age-weighted evidence each part rests on, and the allocation weight the score gives.
-- A dealer without a row weighs 1 (the network average). Written by the score service
-- only: after a submission or a closed request for that dealer, and by the periodic
-- recomputation of every dealer.
CREATE TABLE dealer_scores (
    dealer_id BIGINT PRIMARY KEY NOT NULL REFERENCES dealers (id) ON DELETE CASCADE,
    score DOUBLE NOT NULL,
    completeness DOUBLE NOT NULL,
    timeliness DOUBLE NOT NULL,
    responsiveness DOUBLE NOT NULL,
    outcome_reporting DOUBLE NOT NULL,
    evidence_completeness DOUBLE NOT NULL,
    evidence_timeliness DOUBLE NOT NULL,
    evidence_responsiveness DOUBLE NOT NULL,
    evidence_outcome_reporting DOUBLE NOT NULL,
    -- Submissions of the last 180 days not excluded, and how many of them said the
    -- customer was never reached, or rated the lead 1 out of 5 (for the anomaly flags).
    submissions BIGINT NOT NULL,
    unreached BIGINT NOT NULL,
    rated BIGINT NOT NULL,
    rated_lowest BIGINT NOT NULL,
    -- Offers the dealer received in the 30 days before computed_at.
    offers_30d BIGINT NOT NULL,
    weight DOUBLE NOT NULL,
    computed_at TIMESTAMP NOT NULL,
    -- When the last row of dealer_score_history was written for this dealer.
    snapshot_at TIMESTAMP NOT NULL
);
CREATE INDEX dealer_scores_score ON dealer_scores (score, dealer_id);

-- The trend: a row whenever a recomputation changed a dealer's weight, and at least one
-- a week per dealer.
CREATE TABLE dealer_score_history (
    dealer_id BIGINT NOT NULL REFERENCES dealers (id) ON DELETE CASCADE,
    recorded_at TIMESTAMP NOT NULL,
    score DOUBLE NOT NULL,
    completeness DOUBLE NOT NULL,
    timeliness DOUBLE NOT NULL,
    responsiveness DOUBLE NOT NULL,
    outcome_reporting DOUBLE NOT NULL,
    weight DOUBLE NOT NULL,
    PRIMARY KEY (dealer_id, recorded_at)
);

-- The network's mean of each part (the prior every dealer is shrunk toward) and its mean
-- score, as of the last recomputation of every dealer. One row.
CREATE TABLE dealer_score_network (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    completeness DOUBLE NOT NULL,
    timeliness DOUBLE NOT NULL,
    responsiveness DOUBLE NOT NULL,
    outcome_reporting DOUBLE NOT NULL,
    unreached_rate DOUBLE NOT NULL,
    rated_lowest_rate DOUBLE NOT NULL,
    mean_score DOUBLE NOT NULL,
    -- Active dealers, and offers made over the network in the last 30 days.
    dealers BIGINT NOT NULL,
    offers_30d BIGINT NOT NULL,
    computed_at TIMESTAMP NOT NULL
);

-- A manager's temporary weight for a dealer (a launch, a known problem): it replaces the
-- score's weight from starts_at until expires_at or until ended early.
CREATE TABLE dealer_weight_overrides (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dealer_id BIGINT NOT NULL REFERENCES dealers (id) ON DELETE CASCADE,
    weight DOUBLE NOT NULL,
    reason TEXT NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP
);
CREATE INDEX dealer_weight_overrides_dealer ON dealer_weight_overrides (dealer_id, expires_at);

-- A submission a manager excluded from scoring, with the reason (also in the audit log).
CREATE TABLE feedback_exclusions (
    request_id BIGINT PRIMARY KEY NOT NULL REFERENCES feedback_requests (id) ON DELETE CASCADE,
    reason TEXT NOT NULL,
    excluded_by TEXT NOT NULL,
    excluded_at TIMESTAMP NOT NULL
);
