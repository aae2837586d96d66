DROP TABLE attribution_journeys;
