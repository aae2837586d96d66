-- What the channel manager's dealer table shows, per dealer and period (30, 90 or 365
-- days), computed by `services::dealers::stats::refresh_all` on a tick (and one dealer's
-- score columns after its score moved), so a page of the table is an index walk and not
-- an aggregation over offers. A new dealer gets its rows when it is created.
CREATE TABLE dealer_stats (
    period INTEGER NOT NULL,
    dealer_id BIGINT NOT NULL REFERENCES dealers (id) ON DELETE CASCADE,
    -- Copied from dealer_scores; a dealer without a score yet shows the network's mean
    -- score (its weight is 1) and `scored` false.
    scored BOOLEAN NOT NULL,
    score DOUBLE NOT NULL,
    completeness DOUBLE NOT NULL,
    timeliness DOUBLE NOT NULL,
    responsiveness DOUBLE NOT NULL,
    outcome_reporting DOUBLE NOT NULL,
    weight DOUBLE NOT NULL,
    -- A manager's weight in force when computed.
    override_weight DOUBLE,
    -- The anomaly flags (rule::anomaly): the dealer's rates of "never reached" answers
    -- and of leads rated 1, and whether each is flagged against the network's rate.
    unreached_rate DOUBLE NOT NULL,
    rated_lowest_rate DOUBLE NOT NULL,
    flag_unreached BOOLEAN NOT NULL,
    flag_rated_lowest BOOLEAN NOT NULL,
    -- Offers made to the dealer in the period and how many it accepted; leads it won in
    -- the period (moved to won) and the revenue reported for them.
    offered BIGINT NOT NULL,
    accepted BIGINT NOT NULL,
    won BIGINT NOT NULL,
    revenue_cents BIGINT NOT NULL,
    acceptance_rate DOUBLE NOT NULL,
    win_rate DOUBLE NOT NULL,
    -- Feedback requests overdue now.
    overdue BIGINT NOT NULL,
    -- Offers answered in the period and the median seconds to answer them.
    answered BIGINT NOT NULL,
    answer_seconds DOUBLE NOT NULL,
    -- Forms submitted in the period and their mean completeness (0-1).
    forms BIGINT NOT NULL,
    form_completeness DOUBLE NOT NULL,
    -- The last weekly scores, oldest first, comma-separated whole numbers.
    trend TEXT NOT NULL,
    computed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (period, dealer_id)
);
CREATE INDEX dealer_stats_score ON dealer_stats (period, score, dealer_id);
CREATE INDEX dealer_stats_weight ON dealer_stats (period, weight, dealer_id);
CREATE INDEX dealer_stats_dealer ON dealer_stats (dealer_id);

-- The network's funnel per period, for leads received in it: how many reached each
-- stage (a won lead was also contacted and quoted).
CREATE TABLE network_funnel (
    period INTEGER PRIMARY KEY NOT NULL,
    received BIGINT NOT NULL,
    offered BIGINT NOT NULL,
    accepted BIGINT NOT NULL,
    contacted BIGINT NOT NULL,
    quote_sent BIGINT NOT NULL,
    won BIGINT NOT NULL,
    computed_at TIMESTAMP NOT NULL
);

-- Offers made each week to the dealers of each score quintile (1 the lowest scores, 5
-- the highest), the quintiles taken from the scores at the start of the week.
CREATE TABLE network_lead_share (
    week_start TIMESTAMP NOT NULL,
    quintile INTEGER NOT NULL,
    offers BIGINT NOT NULL,
    PRIMARY KEY (week_start, quintile)
);
