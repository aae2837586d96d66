DROP TABLE feedback_exclusions;
DROP TABLE dealer_weight_overrides;
DROP TABLE dealer_score_network;
DROP TABLE dealer_score_history;
DROP TABLE dealer_scores;
