-- The best FAQ for a citizen's question, by Italian full-text search.
-- A stem of the question found among a FAQ's keywords scores 3, in its question 1
-- (the weights of the in-memory search); below 4 the FAQ is not a good enough answer.
-- Only the 50 best-ranked matches are scored, so the cost stays flat as FAQs grow.
-- $1: the question, $2: the citizen's language.
WITH q AS (
    SELECT websearch_to_tsquery('italian', $1) AS strict,
           tsvector_to_array(to_tsvector('italian', $1)) AS stems
), wide AS (
    -- Any stem may match: OR instead of websearch's AND.
    SELECT replace(strict::text, ' & ', ' | ')::tsquery AS any_stem, stems
    FROM q
    WHERE numnode(strict) > 0
), candidates AS (
    -- A scalar subquery (not a join) so the planner can use the GIN index.
    SELECT f.key, f.question, f.answer, f.keywords, f.lang, f.keyword_stems, f.question_stems,
           ts_rank('{0.05, 0, 0.33, 1}', f.search, (SELECT any_stem FROM wide)) AS rank
    FROM faqs f
    WHERE f.search @@ (SELECT any_stem FROM wide)
    ORDER BY rank DESC
    LIMIT 50
), scored AS (
    SELECT c.*,
           (SELECT coalesce(sum(CASE WHEN s = ANY (c.keyword_stems) THEN 3
                                     WHEN s = ANY (c.question_stems) THEN 1
                                     ELSE 0 END), 0)
            FROM unnest(wide.stems) AS s) AS score
    FROM candidates c, wide
)
SELECT key, question, answer, keywords, lang
FROM scored
WHERE score >= 4
ORDER BY score DESC, (lang = $2) DESC, rank DESC, key
LIMIT 1
