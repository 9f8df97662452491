-- The messages of a batch of incident channels, with what recognisers read:
-- the text, plus Block Kit text (bots often put the real content in blocks
-- and only a fallback such as "Incident Notification" in text; people's
-- rich_text blocks only repeat their text), plus legacy attachments
-- (title, text, pretext, "field: value" pairs; fallback when nothing else).
-- $1 is the list of channel IDs; $2 and $3, when not NULL, bound the
-- thread keys read (a shared channel is read in slices of threads); $4
-- and $5, when not NULL, bound the times posted, in microseconds (a
-- channel too long for one slice is read in pieces of time).
-- units.go appends the ORDER BY: by channel and time, or, for shared
-- channels, thread by thread.
SELECT
	m.channel_id,
	m.ts,
	m.thread_ts,
	epoch_us(m.posted_at) AS posted_us,
	epoch_us(m.edited_at) AS edited_us,
	m.user_id,
	coalesce(m.subtype, '') AS subtype,
	coalesce(m.username, u.display_name, u.real_name, u.name, m.bot_id, m.user_id, '') AS author,
	(m.bot_id IS NOT NULL OR coalesce(m.subtype = 'bot_message', false) OR coalesce(u.is_bot, false)) AS is_bot,
	CASE
	-- Most messages are people typing: their text is all there is (their
	-- rich_text blocks repeat it). Skip the JSON walk for them.
	WHEN m.bot_id IS NULL AND m.subtype IS NULL
		-- One pass for the four strings: half the CPU of four contains().
		AND NOT regexp_matches(m.raw::VARCHAR, '"attachments"|"type":"section"|"type":"header"|"type":"context"')
	THEN m.text
	ELSE
	concat_ws(chr(10),
			nullif(m.text, ''),
			CASE WHEN list_has_any(json_extract_string(m.raw, '$.blocks[*].type'), ['section', 'header', 'context', 'rich_text_list'])
				OR m.bot_id IS NOT NULL
			THEN nullif(array_to_string(list_filter(json_extract_string(m.raw, '$.blocks..text'),
				x -> x IS NOT NULL AND left(x, 1) <> '{' AND x <> coalesce(m.text, '')), chr(10)), '') END,
			nullif(array_to_string(json_extract_string(m.raw, '$.attachments[*].pretext'), chr(10)), ''),
			nullif(array_to_string(json_extract_string(m.raw, '$.attachments[*].title'), chr(10)), ''),
			nullif(array_to_string(list_filter(json_extract_string(m.raw, '$.attachments..text'),
				x -> x IS NOT NULL AND left(x, 1) <> '{'), chr(10)), ''),
			nullif(array_to_string(list_transform(json_extract(m.raw, '$.attachments[*].fields[*]'),
				f -> concat(f->>'title', ': ', f->>'value')), chr(10)), ''),
			CASE WHEN json_extract_string(m.raw, '$.attachments[0].title') IS NULL AND json_extract_string(m.raw, '$.attachments[0].text') IS NULL
				THEN nullif(array_to_string(json_extract_string(m.raw, '$.attachments[*].fallback'), chr(10)), '') END
	) END AS content
FROM messages m
LEFT JOIN users u ON u.user_id = m.user_id
WHERE m.channel_id IN (SELECT unnest($1::VARCHAR[]))
	AND ($2::VARCHAR IS NULL OR coalesce(m.thread_ts, m.ts) >= $2)
	AND ($3::VARCHAR IS NULL OR coalesce(m.thread_ts, m.ts) <= $3)
	AND ($4::BIGINT IS NULL OR epoch_us(m.posted_at) >= $4)
	AND ($5::BIGINT IS NULL OR epoch_us(m.posted_at) <= $5)
