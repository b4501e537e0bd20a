-- The best FAQ for a citizen's question, by Italian full-text search.
-- A question word found among a FAQ's keywords scores 3, in its question 1 (the same
-- weights as the in-memory search); below 4 the FAQ is not a good enough answer.
-- $1: the question, $2: the citizen's language.
WITH q AS (
    SELECT websearch_to_tsquery('italian', $1) AS strict,
           tsvector_to_array(to_tsvector('italian', $1)) AS lexemes
), wide AS (
    -- Any word may match: OR instead of websearch's AND.
    SELECT replace(strict::text, ' & ', ' | ')::tsquery AS any_word, lexemes
    FROM q
    WHERE numnode(strict) > 0
), scored AS (
    SELECT f.key, f.question, f.answer, f.keywords, f.lang,
           ts_rank(f.search, wide.any_word) AS rank,
           (SELECT coalesce(sum(CASE
                        WHEN l = ANY (tsvector_to_array(ts_filter(f.search, '{a}'))) THEN 3
                        WHEN l = ANY (tsvector_to_array(ts_filter(f.search, '{b}'))) THEN 1
                        ELSE 0 END), 0)
            FROM unnest(wide.lexemes) AS l) AS score
    FROM faqs f, wide
    WHERE f.search @@ wide.any_word
)
SELECT key, question, answer, keywords, lang
FROM scored
WHERE score >= 4
ORDER BY score DESC, (lang = $2) DESC, rank DESC, key
LIMIT 1
