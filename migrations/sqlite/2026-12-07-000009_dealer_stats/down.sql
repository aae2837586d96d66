DROP TABLE network_lead_share;
DROP TABLE network_funnel;
DROP TABLE dealer_stats;
