-- What a dealer could still do to raise its score, kept with the score: feedback forms
-- open now (and how many of them overdue), accepted leads past the feedback delay without
-- a recorded outcome, and the score and weight the dealer would have with every open form
-- filled in completely today and every missing outcome recorded (the network unchanged).
ALTER TABLE dealer_scores ADD COLUMN open_forms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE dealer_scores ADD COLUMN overdue_forms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE dealer_scores ADD COLUMN unreported_outcomes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE dealer_scores ADD COLUMN caught_up_score DOUBLE NOT NULL DEFAULT 0;
ALTER TABLE dealer_scores ADD COLUMN caught_up_weight DOUBLE NOT NULL DEFAULT 1;
-- One dealer's recorded outcomes, for recomputing its score after a submission (the
-- score reads which of its accepted leads have an outcome from it).
CREATE INDEX sale_outcomes_dealer ON sale_outcomes (dealer_id, lead_id);
