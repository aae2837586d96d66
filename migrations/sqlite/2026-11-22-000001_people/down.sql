DROP TABLE login_attempts;
DROP TABLE user_tokens;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE dealer_product_lines;
DROP TABLE dealer_territories;
DROP TABLE dealers;
