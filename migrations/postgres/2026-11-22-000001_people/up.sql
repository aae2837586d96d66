CREATE TABLE dealers (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    capacity INTEGER NOT NULL CHECK (capacity >= 0),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE dealer_territories (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dealer_id BIGINT NOT NULL REFERENCES dealers (id) ON DELETE CASCADE,
    country TEXT NOT NULL,
    postcode_prefix TEXT,
    region TEXT,
    CHECK ((postcode_prefix IS NULL) <> (region IS NULL))
);
CREATE INDEX dealer_territories_dealer ON dealer_territories (dealer_id);

CREATE TABLE dealer_product_lines (
    dealer_id BIGINT NOT NULL REFERENCES dealers (id) ON DELETE CASCADE,
    product_line TEXT NOT NULL,
    PRIMARY KEY (dealer_id, product_line)
);

CREATE TABLE users (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'dealer')),
    dealer_id BIGINT REFERENCES dealers (id),
    locale TEXT CHECK (locale IN ('it', 'en')),
    password_hash TEXT,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    password_changed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK ((role = 'dealer') = (dealer_id IS NOT NULL))
);
CREATE INDEX users_dealer ON users (dealer_id);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    client_ip TEXT NOT NULL,
    user_agent TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE user_tokens (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL CHECK (purpose IN ('reset', 'invite')),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX user_tokens_user ON user_tokens (user_id);

CREATE TABLE login_attempts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email TEXT NOT NULL,
    client_ip TEXT NOT NULL,
    succeeded BOOLEAN NOT NULL,
    attempted_at TIMESTAMP NOT NULL
);
CREATE INDEX login_attempts_email ON login_attempts (email, attempted_at);
CREATE INDEX login_attempts_ip ON login_attempts (client_ip, attempted_at);
