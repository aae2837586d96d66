DROP TABLE digest_links;
