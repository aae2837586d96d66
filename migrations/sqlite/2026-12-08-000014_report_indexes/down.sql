DROP INDEX sale_outcomes_close_date;
DROP INDEX leads_received;
