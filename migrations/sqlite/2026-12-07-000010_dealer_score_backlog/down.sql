DROP INDEX sale_outcomes_dealer;
ALTER TABLE dealer_scores DROP COLUMN caught_up_weight;
ALTER TABLE dealer_scores DROP COLUMN caught_up_score;
ALTER TABLE dealer_scores DROP COLUMN unreported_outcomes;
ALTER TABLE dealer_scores DROP COLUMN overdue_forms;
ALTER TABLE dealer_scores DROP COLUMN open_forms;
