-- Sportello's schema: conversations, subscribers, content and transcripts.
-- All times are timestamptz (stored in UTC, shown in Europe/Rome).

-- One row per conversation. `version` grows on every save: a turn saves only if the
-- row still has the version it loaded, so two turns of one chat never interleave.
CREATE TABLE sessions (
    channel          text        NOT NULL,
    chat             text        NOT NULL,
    state            text        NOT NULL,
    slots            jsonb       NOT NULL DEFAULT '{}',
    tries            smallint    NOT NULL DEFAULT 0,
    lang             text        NOT NULL,
    dialogue_version text        NOT NULL,
    version          bigint      NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (channel, chat)
);

CREATE TABLE subscribers (
    channel    text        NOT NULL,
    chat       text        NOT NULL,
    topics     text[]      NOT NULL DEFAULT '{}',
    lang       text        NOT NULL DEFAULT 'it',
    status     text        NOT NULL DEFAULT 'active'
               CONSTRAINT subscribers_status_check CHECK (status IN ('active', 'blocked')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (channel, chat)
);
CREATE INDEX subscribers_active_topics ON subscribers USING gin (topics) WHERE status = 'active';

CREATE TABLE events (
    key         text        PRIMARY KEY,
    category    text        NOT NULL,
    title       text        NOT NULL,
    starts_at   timestamptz NOT NULL,
    ends_at     timestamptz,
    place       text,
    details     text,
    link        text,
    valid_until timestamptz,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_category_starts_at ON events (category, starts_at);

CREATE TABLE news (
    id           bigserial   PRIMARY KEY,
    key          text        NOT NULL CONSTRAINT news_key_key UNIQUE,
    title        text        NOT NULL,
    body         text        NOT NULL,
    topics       text[]      NOT NULL DEFAULT '{}',
    link         text,
    published_at timestamptz NOT NULL,
    expires_at   timestamptz,
    author       text,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX news_published_at ON news (published_at DESC);

-- array_to_string is only STABLE; keywords never depend on settings, so this wrapper
-- may be IMMUTABLE and feed the generated search column.
CREATE FUNCTION sportello_words(text[]) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT coalesce(array_to_string($1, ' '), '') $$;

CREATE TABLE faqs (
    key        text        PRIMARY KEY,
    question   text        NOT NULL,
    answer     text        NOT NULL,
    keywords   text[]      NOT NULL DEFAULT '{}',
    lang       text        NOT NULL DEFAULT 'it',
    -- Keywords weigh most (A), then the question (B), then the answer (D).
    search     tsvector    GENERATED ALWAYS AS (
                   setweight(to_tsvector('italian', sportello_words(keywords)), 'A')
                   || setweight(to_tsvector('italian', question), 'B')
                   || setweight(to_tsvector('italian', answer), 'D')
               ) STORED,
    -- The stems of keywords and question, for scoring a match without re-parsing.
    keyword_stems  text[]  GENERATED ALWAYS AS (
                   tsvector_to_array(to_tsvector('italian', sportello_words(keywords)))) STORED,
    question_stems text[]  GENERATED ALWAYS AS (
                   tsvector_to_array(to_tsvector('italian', question))) STORED,
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- FAQs change rarely and are searched on every unmatched message: no pending list,
-- so a search never scans unindexed rows.
CREATE INDEX faqs_search ON faqs USING gin (search) WITH (fastupdate = off);

-- What was said, for staff review; deleted after the retention period.
CREATE TABLE transcripts (
    id         bigserial   PRIMARY KEY,
    channel    text        NOT NULL,
    chat       text        NOT NULL,
    direction  text        NOT NULL CONSTRAINT transcripts_direction_check CHECK (direction IN ('in', 'out')),
    state      text        NOT NULL,
    body       text        NOT NULL,
    understood boolean     NOT NULL DEFAULT true,
    at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX transcripts_chat ON transcripts (channel, chat, at);
CREATE INDEX transcripts_at ON transcripts (at);
CREATE INDEX transcripts_not_understood ON transcripts (at) WHERE NOT understood;
